/* Shared by the check unit tests: run one suite, exit status for meson. */
#pragma once
#include <check.h>
#include <dirent.h>
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
