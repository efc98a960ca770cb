/* main() for the `<name>-replay` builds: run LLVMFuzzerTestOneInput over
 * every file named on the command line, or found (recursively) under a
 * directory named there, in name order.  Lets `meson test --suite fuzz`
 * replay the corpora with any compiler, and reproduces a libFuzzer crash
 * input without clang: `fuzz_syslog-replay crash-…`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static unsigned long ran;

/* Read all of `path` into a heap buffer of exactly its size. */
static int replay_file(const char *path)
{
        struct stat st;
        char *buf = NULL;
        size_t len = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0 || fstat(fd, &st) < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
        if (!buf) {
                close(fd);
                return -1;
        }
        while (len < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        fprintf(stderr, "%s: %s\n", path, n < 0 ? strerror(errno) : "short read");
                        free(buf);
                        close(fd);
                        return -1;
                }
                len += (size_t)n;
        }
        close(fd);
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
        free(buf);
        ran++;
        return 0;
}

static int replay_path(const char *path, bool top)
{
        struct dirent **names;
        struct stat st;
        int n, r = 0;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        if (!S_ISDIR(st.st_mode))
                return S_ISREG(st.st_mode) || top ? replay_file(path) : 0;
        n = scandir(path, &names, NULL, alphasort);
        if (n < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        for (int i = 0; i < n; i++) {
                const char *name = names[i]->d_name;

                if (name[0] != '.') {   /* ".", "..", and hidden files */
                        char *sub;

                        if (asprintf(&sub, "%s/%s", path, name) < 0) {
                                r = -1;
                        } else {
                                if (replay_path(sub, false) < 0)
                                        r = -1;
                                free(sub);
                        }
                }
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char **argv)
{
        int r = 0;

        if (argc < 2) {
                fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++)
                if (replay_path(argv[i], true) < 0)
                        r = 1;
        printf("%s: %lu inputs ran\n", argv[0], ran);
        if (ran == 0) {
                fprintf(stderr, "%s: no inputs found\n", argv[0]);
                r = 1;
        }
        return r;
}
