/*
 * hostfile.c — opening user-named host files safely (see hostfile.h).
 */
#include "hostfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *hostfile_open(const char *path, uint64_t max, uint64_t *size, char *why, size_t whylen) {
  /* O_NONBLOCK: opening a FIFO with no writer must not wait for one. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, whylen, "%s", strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    snprintf(why, whylen, "%s", S_ISDIR(st.st_mode) ? "a directory, not a file" : "not a regular file");
    close(fd);
    return NULL;
  }
  if ((uint64_t)st.st_size > max) {
    snprintf(why, whylen, "too large: %" PRIu64 " bytes, at most %" PRIu64, (uint64_t)st.st_size, max);
    close(fd);
    return NULL;
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0)
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  FILE *f = fdopen(fd, "rb");
  if (!f) {
    snprintf(why, whylen, "%s", strerror(errno));
    close(fd);
    return NULL;
  }
  *size = (uint64_t)st.st_size;
  return f;
}
