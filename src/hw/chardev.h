/*
 * chardev.h — host byte-stream backends for serial ports and the monitor:
 * stdio, a file (output only), a pseudo-terminal, a TCP server on
 * 127.0.0.1, or a Unix-domain socket server (created mode 0600, removed on
 * close).  The socket servers take one client at a time.
 * Input is read without blocking, only by the machine loop between CPU
 * slices; output is written immediately and never blocks (dropped if the
 * peer is not reading or not connected).
 */
#ifndef X86VM_CHARDEV_H
#define X86VM_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

typedef enum CharKind { CHR_NULL, CHR_STDIO, CHR_FILE, CHR_PTY, CHR_TCP, CHR_UNIX } CharKind;

typedef struct CharDev {
  CharKind kind;         /* backend type */
  int in_fd;             /* read side, -1 if none */
  int out_fd;            /* write side, -1 if none */
  int listen_fd;         /* CHR_TCP, CHR_UNIX: listening socket */
  unsigned clients;      /* socket servers: clients accepted so far (a new one starts afresh) */
  bool unlink_path;      /* CHR_UNIX: we created the socket file at path (remove on close) */
  unsigned long sock_dev, sock_ino; /* CHR_UNIX: that file, so close removes only ours */
  bool in_eof;           /* input reached end of file */
  bool tty_saved;        /* stdin terminal mode changed (restore on close) */
  struct termios saved;  /* original stdin terminal mode */
  char path[256];        /* pty slave name / file / socket path, for messages */
} CharDev;

/* spec: "stdio", "null", "file:PATH", "pty", "tcp:PORT", "unix:PATH". NULL +
 * message on error.  unix:PATH refuses a PATH that exists and is not a
 * socket, or is a socket another process still listens on; a stale socket
 * file is replaced. */
CharDev *chardev_open(const char *spec, char *err, size_t errlen);
void chardev_close(CharDev *c);
/* Up to max bytes that are ready now; 0 if none. */
size_t chardev_read(CharDev *c, uint8_t *buf, size_t max);
void chardev_write(CharDev *c, const uint8_t *buf, size_t len);
/* Socket servers: hang up on the current client (the next may connect). */
void chardev_drop_client(CharDev *c);
/* fd to wait on for input (poll), or -1. */
int chardev_wait_fd(const CharDev *c);

#endif
