/*
 * hostfile.c — opening user-named host files safely (see hostfile.h).
 */
#define _GNU_SOURCE
#include "hostfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_name(mode_t m) {
  if (S_ISDIR(m))
    return "a directory, not a file";
  if (S_ISFIFO(m))
    return "a FIFO";
  if (S_ISCHR(m))
    return "a character device";
  if (S_ISBLK(m))
    return "a block device";
  if (S_ISSOCK(m))
    return "a socket";
  return "not a regular file";
}

/* Back to blocking mode (the O_NONBLOCK was only for the open). */
static void set_blocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0 && (fl & O_NONBLOCK))
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

int hostfile_open_fd(const char *path, int flags, unsigned kinds, uint64_t max, uint64_t *size,
                     char *why, size_t whylen) {
  /* O_NONBLOCK: opening a FIFO with no writer must not wait for one;
   * O_NOCTTY: a terminal named by mistake must not become ours. */
  int fd = open(path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, whylen, "%s", strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    snprintf(why, whylen, "%s", strerror(errno));
    close(fd);
    return -1;
  }
  uint64_t sz;
  if (S_ISREG(st.st_mode) && (kinds & HOSTFILE_REG)) {
    sz = (uint64_t)st.st_size;
  } else if (S_ISBLK(st.st_mode) && (kinds & HOSTFILE_BLK)) {
    off_t end = lseek(fd, 0, SEEK_END);
    sz = end > 0 ? (uint64_t)end : 0;
  } else {
    if (S_ISDIR(st.st_mode))
      snprintf(why, whylen, "%s", kind_name(st.st_mode));
    else
      snprintf(why, whylen, "not a regular file%s (%s)",
               kinds & HOSTFILE_BLK ? " or block device" : "", kind_name(st.st_mode));
    close(fd);
    return -1;
  }
  if (sz > max) {
    snprintf(why, whylen, "too large: %" PRIu64 " bytes, at most %" PRIu64, sz, max);
    close(fd);
    return -1;
  }
  set_blocking(fd);
  *size = sz;
  return fd;
}

FILE *hostfile_open(const char *path, uint64_t max, uint64_t *size, char *why, size_t whylen) {
  int fd = hostfile_open_fd(path, O_RDONLY, HOSTFILE_REG, max, size, why, whylen);
  if (fd < 0)
    return NULL;
  FILE *f = fdopen(fd, "rb");
  if (!f) {
    snprintf(why, whylen, "%s", strerror(errno));
    close(fd);
  }
  return f;
}

uint8_t *hostfile_read(const char *path, uint64_t max, size_t *len, char *why, size_t whylen) {
  uint64_t size;
  int fd = hostfile_open_fd(path, O_RDONLY, HOSTFILE_REG, max, &size, why, whylen);
  if (fd < 0)
    return NULL;
  if (size == 0 || size > SIZE_MAX) {
    snprintf(why, whylen, size == 0 ? "empty file" : "too large for this host");
    close(fd);
    return NULL;
  }
  uint8_t *buf = malloc((size_t)size);
  if (!buf) {
    snprintf(why, whylen, "out of memory for %" PRIu64 " bytes", size);
    close(fd);
    return NULL;
  }
  /* Exactly the size fstat gave: a file that shrinks meanwhile is refused,
   * one that grows is read up to that size only. */
  size_t done = 0;
  while (done < (size_t)size) {
    ssize_t n = pread(fd, buf + done, (size_t)size - done, (off_t)done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      snprintf(why, whylen, "%s", n < 0 ? strerror(errno) : "changed while being read (shorter than its size)");
      free(buf);
      close(fd);
      return NULL;
    }
    done += (size_t)n;
  }
  close(fd);
  *len = (size_t)size;
  return buf;
}

int hostfile_create_fd(const char *path, char *why, size_t whylen) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0666);
  if (fd < 0) {
    /* O_NONBLOCK on a FIFO nobody reads fails with ENXIO instead of waiting. */
    snprintf(why, whylen, "%s", errno == ENXIO ? "a FIFO with no reader" : strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    snprintf(why, whylen, "%s", strerror(errno));
    close(fd);
    return -1;
  }
  if (!(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
    snprintf(why, whylen, "not a file to write (%s)", kind_name(st.st_mode));
    close(fd);
    return -1;
  }
  set_blocking(fd);
  return fd;
}

FILE *hostfile_create(const char *path, const char *mode, char *why, size_t whylen) {
  int fd = hostfile_create_fd(path, why, whylen);
  if (fd < 0)
    return NULL;
  FILE *f = fdopen(fd, mode);
  if (!f) {
    snprintf(why, whylen, "%s", strerror(errno));
    close(fd);
  }
  return f;
}
