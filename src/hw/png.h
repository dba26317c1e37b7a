/*
 * png.h — a minimal PNG writer (8-bit RGB, no filtering) for screenshots.
 * The image data is wrapped in zlib "stored" (uncompressed) blocks, so no
 * compression library is needed; CRC-32 and Adler-32 are computed here.
 * Reference: PNG specification (ISO/IEC 15948), RFC 1950/1951.
 */
#ifndef X86VM_PNG_H
#define X86VM_PNG_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 (IEEE, as PNG chunks use), continuing from crc (start with 0). */
uint32_t png_crc32(uint32_t crc, const void *data, size_t len);
/* Write w x h pixels (0x00RRGGBB, row-major) to path. Returns 0, or -1 with
 * a message naming the file in err. */
int png_write_rgb(const char *path, const uint32_t *rgb, int w, int h, char *err, size_t errlen);

#endif
