/* Shared by the check unit tests: run one suite, exit status for meson. */
#pragma once
#include <check.h>
#include <stdbool.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "spoor/yaml.h"

static inline int unit_run(Suite *s)
{
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Every document of every *.yml file under dir (recursively, hidden names
 * skipped) to fn(ud, path, doc); a file that is not valid YAML goes to
 * fn(ud, path, NULL) with the error on stderr. */
static inline void unit_walk_rules(const char *dir, void (*fn)(void *ud, const char *path, struct json_object *doc),
                                   void *ud)
{
        DIR *d = opendir(dir);
        struct dirent *e;

        ck_assert_ptr_nonnull(d);
        while ((e = readdir(d))) {
                char path[4096];
                struct stat st;
                struct json_object *docs = NULL;
                struct yaml_error yerr;
                size_t l = strlen(e->d_name);

                if (e->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                if (stat(path, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        unit_walk_rules(path, fn, ud);
                        continue;
                }
                if (l < 4 || strcmp(e->d_name + l - 4, ".yml") != 0)
                        continue;
                if (yaml_load_file(path, &docs, &yerr) < 0) {
                        fprintf(stderr, "%s: yaml: %s\n", path, yerr.msg);
                        fn(ud, path, NULL);
                        continue;
                }
                for (size_t i = 0; i < json_object_array_length(docs); i++)
                        fn(ud, path, json_object_array_get_idx(docs, i));
                json_object_put(docs);
        }
        closedir(d);
}

static inline int unit_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

/* Remove a test's scratch folder and everything in it. */
static inline void unit_rmtree(const char *dir)
{
        nftw(dir, unit_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* $SPOOR_SHARED/<sub> into buf when it is a folder; otherwise print why the
 * test is skipped and return false. */
static inline bool unit_shared_dir(const char *sub, char *buf, size_t len)
{
        const char *shared = getenv("SPOOR_SHARED");
        struct stat st;

        snprintf(buf, len, "%s/%s", shared ? shared : "", sub);
        if (!shared || stat(buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
                printf("SKIP: %s absent (SPOOR_SHARED unset or no shared data)\n", buf);
                return false;
        }
        return true;
}
