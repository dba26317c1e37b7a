/*
 * chardev.h — host byte-stream backends for serial ports: stdio, a file
 * (output only), a pseudo-terminal, or a TCP server on 127.0.0.1.
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

typedef enum CharKind { CHR_NULL, CHR_STDIO, CHR_FILE, CHR_PTY, CHR_TCP } CharKind;

typedef struct CharDev {
  CharKind kind;         /* backend type */
  int in_fd;             /* read side, -1 if none */
  int out_fd;            /* write side, -1 if none */
  int listen_fd;         /* CHR_TCP: listening socket */
  bool in_eof;           /* input reached end of file */
  bool tty_saved;        /* stdin terminal mode changed (restore on close) */
  struct termios saved;  /* original stdin terminal mode */
  char path[256];        /* pty slave name / file path, for messages */
} CharDev;

/* spec: "stdio", "null", "file:PATH", "pty", "tcp:PORT". NULL + message on error. */
CharDev *chardev_open(const char *spec, char *err, size_t errlen);
void chardev_close(CharDev *c);
/* Up to max bytes that are ready now; 0 if none. */
size_t chardev_read(CharDev *c, uint8_t *buf, size_t max);
void chardev_write(CharDev *c, const uint8_t *buf, size_t len);
/* fd to wait on for input (poll), or -1. */
int chardev_wait_fd(const CharDev *c);

#endif
