/*
 * chardev.c — serial backends (see chardev.h).
 */
#define _GNU_SOURCE /* posix_openpt, ptsname */
#include "log.h"
#include "chardev.h"
#include "hostfile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0)
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

CharDev *chardev_open(const char *spec, char *err, size_t errlen) {
  CharDev *c = calloc(1, sizeof(*c));
  if (!c) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  c->in_fd = c->out_fd = c->listen_fd = -1;
  if (strcmp(spec, "null") == 0 || strcmp(spec, "none") == 0) {
    c->kind = CHR_NULL;
  } else if (strcmp(spec, "stdio") == 0) {
    c->kind = CHR_STDIO;
    c->in_fd = 0;
    c->out_fd = 1;
    if (isatty(0) && tcgetattr(0, &c->saved) == 0) {
      struct termios raw = c->saved;
      raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO); /* keep ISIG: Ctrl-C still stops us */
      raw.c_iflag &= (tcflag_t) ~(ICRNL | IXON);
      raw.c_cc[VMIN] = 1;
      raw.c_cc[VTIME] = 0;
      if (tcsetattr(0, TCSANOW, &raw) == 0)
        c->tty_saved = true;
    }
  } else if (strncmp(spec, "file:", 5) == 0) {
    c->kind = CHR_FILE;
    snprintf(c->path, sizeof(c->path), "%s", spec + 5);
    char why[160];
    c->out_fd = hostfile_create_fd(spec + 5, why, sizeof why);
    if (c->out_fd < 0) {
      snprintf(err, errlen, "serial file %s: %s", spec + 5, why);
      free(c);
      return NULL;
    }
  } else if (strcmp(spec, "pty") == 0) {
    c->kind = CHR_PTY;
    int fd = posix_openpt(O_RDWR | O_NOCTTY);
    if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 || !ptsname(fd)) {
      snprintf(err, errlen, "serial pty: %s", strerror(errno));
      if (fd >= 0)
        close(fd);
      free(c);
      return NULL;
    }
    snprintf(c->path, sizeof(c->path), "%s", ptsname(fd));
    set_nonblock(fd);
    c->in_fd = c->out_fd = fd;
    x86_log(LOG_NOTE, "pseudo-terminal %s", c->path);
  } else if (strncmp(spec, "tcp:", 4) == 0) {
    c->kind = CHR_TCP;
    char *end;
    long port = strtol(spec + 4, &end, 10);
    if (*end || port < 1 || port > 65535) {
      snprintf(err, errlen, "serial tcp: bad port '%s' (want tcp:1-65535)", spec + 4);
      free(c);
      return NULL;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only */
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
      snprintf(err, errlen, "serial tcp:%ld: %s", port, strerror(errno));
      if (fd >= 0)
        close(fd);
      free(c);
      return NULL;
    }
    set_nonblock(fd);
    c->listen_fd = fd;
    snprintf(c->path, sizeof(c->path), "127.0.0.1:%ld", port);
    x86_log(LOG_NOTE, "listening on %s", c->path);
  } else {
    snprintf(err, errlen, "bad serial backend '%s' (want stdio, file:PATH, pty, tcp:PORT or null)",
             spec);
    free(c);
    return NULL;
  }
  return c;
}

void chardev_close(CharDev *c) {
  if (!c)
    return;
  if (c->tty_saved)
    tcsetattr(0, TCSANOW, &c->saved);
  if (c->kind == CHR_FILE || c->kind == CHR_PTY) {
    if (c->out_fd >= 0)
      close(c->out_fd);
  } else if (c->kind == CHR_TCP) {
    if (c->in_fd >= 0)
      close(c->in_fd);
    if (c->listen_fd >= 0)
      close(c->listen_fd);
  }
  free(c);
}

/* TCP: accept a client if one is waiting. */
static void tcp_accept(CharDev *c) {
  if (c->kind != CHR_TCP || c->in_fd >= 0)
    return;
  int fd = accept(c->listen_fd, NULL, NULL);
  if (fd < 0)
    return;
  set_nonblock(fd);
  c->in_fd = c->out_fd = fd;
}

static void tcp_drop(CharDev *c) {
  if (c->kind == CHR_TCP && c->in_fd >= 0) {
    close(c->in_fd);
    c->in_fd = c->out_fd = -1;
  }
}

size_t chardev_read(CharDev *c, uint8_t *buf, size_t max) {
  tcp_accept(c);
  if (c->in_fd < 0 || c->in_eof || max == 0)
    return 0;
  struct pollfd p = {c->in_fd, POLLIN, 0};
  if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
    return 0;
  ssize_t n = read(c->in_fd, buf, max);
  if (n > 0)
    return (size_t)n;
  if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
    if (c->kind == CHR_TCP)
      tcp_drop(c); /* client went away: wait for the next one */
    else if (c->kind == CHR_STDIO)
      c->in_eof = true;
    /* a pty with no slave open reads EIO: keep trying later */
  }
  return 0;
}

void chardev_write(CharDev *c, const uint8_t *buf, size_t len) {
  tcp_accept(c);
  while (c->out_fd >= 0 && len) {
    ssize_t n = c->kind == CHR_TCP ? send(c->out_fd, buf, len, MSG_NOSIGNAL)
                                   : write(c->out_fd, buf, len);
    if (n <= 0) {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EPIPE)
        tcp_drop(c);
      return; /* EAGAIN: peer not reading, drop the rest */
    }
    buf += n;
    len -= (size_t)n;
  }
}

int chardev_wait_fd(const CharDev *c) {
  if (c->kind == CHR_TCP && c->in_fd < 0)
    return c->listen_fd;
  return c->in_eof ? -1 : c->in_fd;
}
