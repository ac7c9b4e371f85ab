/* Runs the fuzz harness over every file of the seed corpus folders given as arguments (default
 * corpus/jspec, for a test run in tests/fuzz/), so that every build runs the harness's code even
 * where clang's libFuzzer is missing. Fails if a folder cannot be read or holds no file. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads path whole into a new buffer (caller frees); NULL on any error. */
static uint8_t *read_all(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto done;
    buf = malloc((size_t)n + 1); /* + 1: an empty file still gets a buffer */
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    *ret_len = (size_t)n;
done:
    fclose(f);
    return buf;
}

/* Replays every regular file in dir; returns how many, or -1 on an error. */
static long replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    long n = 0;

    if (!d) {
        fprintf(stderr, "replay: cannot open %s\n", dir);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        uint8_t *data;
        size_t len = 0;

        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
            stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        data = read_all(path, &len);
        if (!data) {
            fprintf(stderr, "replay: cannot read %s\n", path);
            n = -1;
            break;
        }
        LLVMFuzzerTestOneInput(data, len);
        free(data);
        n++;
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    static char *const fallback[] = {"corpus/jspec"};
    char *const *dirs = argc > 1 ? argv + 1 : fallback;
    int n_dirs = argc > 1 ? argc - 1 : 1;
    long total = 0;

    for (int i = 0; i < n_dirs; i++) {
        long n = replay_dir(dirs[i]);
        if (n <= 0) {
            fprintf(stderr, "replay: %s: %s\n", dirs[i], n == 0 ? "no inputs" : "failed");
            return 1;
        }
        total += n;
    }
    printf("replayed %ld inputs\n", total);
    return 0;
}
