/* The floor of `appeal letters --format txt` for benches/side-by-side.sh: the same files, with
 * nothing rendered. It reads a manifest of the letters appeal wrote (one "RELATIVE_PATH SIZE"
 * line each, from `find -printf '%P %s\n'`, made untimed) and writes files of those names and
 * sizes under OUT_DIR: a folder per supporter (mkdir), then each letter created with O_EXCL
 * (open, write, close), as the Jinja2 peer writes them; appeal writes a temporary file and
 * renames it into place, one more call. One process per core, each taking every Nth folder.
 * The time it takes is what creating the files costs the kernel: no program that writes one
 * file per letter can take less, so the peer's time over this one bounds appeal's ratio.
 *
 * usage: files_alone MANIFEST OUT_DIR [PROCESSES]   (build: cc -O2 -o files_alone files_alone.c)
 * prints "N letter(s) written", as appeal's summary begins. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct letter {
  char *path;
  size_t size;
  int folder; /* index of its supporter folder, in manifest order */
};

static void die(const char *what, const char *path) {
  fprintf(stderr, "files_alone: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

/* Creates every folder of `path` below `out` that is not there (the campaign's, the supporter's). */
static void folders(const char *out, const char *path) {
  char full[4096];
  snprintf(full, sizeof full, "%s/%s", out, path);
  for (char *slash = full + strlen(out) + 1; (slash = strchr(slash, '/')); slash++) {
    *slash = 0;
    if (mkdir(full, 0700) && errno != EEXIST) die("mkdir", full);
    *slash = '/';
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: files_alone MANIFEST OUT_DIR [PROCESSES]\n");
    return 2;
  }
  const char *out = argv[2];
  long processes = argc > 3 ? atol(argv[3]) : sysconf(_SC_NPROCESSORS_ONLN);
  if (processes < 1) processes = 1;
  FILE *manifest = fopen(argv[1], "r");
  if (!manifest) die("open", argv[1]);
  size_t count = 0, cap = 1024, biggest = 0;
  struct letter *letters = malloc(cap * sizeof *letters);
  char line[4096], last[4096] = "";
  int folder = -1;
  while (fgets(line, sizeof line, manifest)) {
    char *space = strrchr(line, ' ');
    if (!space) continue;
    *space = 0;
    char *dir = strrchr(line, '/');
    if (!dir) continue;
    if (count == cap) letters = realloc(letters, (cap *= 2) * sizeof *letters);
    if ((size_t)(dir - line) != strlen(last) || strncmp(line, last, dir - line)) {
      folder++;
      memcpy(last, line, dir - line);
      last[dir - line] = 0;
    }
    letters[count].path = strdup(line);
    letters[count].size = strtoul(space + 1, NULL, 10);
    letters[count].folder = folder;
    if (letters[count].size > biggest) biggest = letters[count].size;
    count++;
  }
  fclose(manifest);
  if (mkdir(out, 0700) && errno != EEXIST) die("mkdir", out);
  char *bytes = malloc(biggest + 1);
  memset(bytes, 'x', biggest + 1);
  /* The campaign's folder first, so that the processes do not race to make it. */
  if (count) folders(out, letters[0].path);
  for (long p = 0; p < processes; p++) {
    pid_t pid = fork();
    if (pid < 0) die("fork", "");
    if (pid) continue;
    int made = -1;
    char full[8192];
    for (size_t i = 0; i < count; i++) {
      if (letters[i].folder % processes != p) continue;
      if (letters[i].folder != made) {
        folders(out, letters[i].path);
        made = letters[i].folder;
      }
      snprintf(full, sizeof full, "%s/%s", out, letters[i].path);
      int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0) die("open", full);
      if (write(fd, bytes, letters[i].size) != (ssize_t)letters[i].size) die("write", full);
      if (close(fd)) die("close", full);
    }
    _exit(0);
  }
  int failed = 0, status;
  while (wait(&status) > 0)
    if (!WIFEXITED(status) || WEXITSTATUS(status)) failed = 1;
  if (failed) return 1;
  printf("%zu letter(s) written\n", count);
  return 0;
}
