/*
 * fwcfg.c — QEMU's firmware configuration interface, port-I/O flavour
 * (selector 510h, data 511h); see fwcfg.h.
 */
#include "fwcfg.h"

#include <stdlib.h>
#include <string.h>

SAVE_TABLE_DEFINE(fwcfg_table, FwCfg, FWCFG_FIELDS, FWCFG_VERSION)

static FwCfgItem *find_item(FwCfg *f, uint16_t key) {
  for (int i = 0; i < f->nitems; i++)
    if (f->items[i].key == key)
      return &f->items[i];
  return NULL;
}

static uint32_t fwcfg_read(void *opaque, uint16_t port, int size) {
  FwCfg *f = opaque;
  (void)size; /* the data port is one byte wide: the bus splits wider reads */
  if (port == FWCFG_PORT_SEL)
    return 0; /* the selector port reads as 0 */
  FwCfgItem *it = find_item(f, f->selector);
  if (!it || f->offset >= it->len)
    return 0;
  return it->data[f->offset++];
}

static void fwcfg_write(void *opaque, uint16_t port, int size, uint32_t v) {
  FwCfg *f = opaque;
  if (port != FWCFG_PORT_SEL)
    return; /* data writes are ignored */
  f->selector = (uint16_t)(size == 1 ? (v & 0xff) : (v & 0xffff));
  f->offset = 0;
}

int fwcfg_add_item(FwCfg *f, uint16_t key, const void *data, uint32_t len) {
  FwCfgItem *it = find_item(f, key);
  if (!it) {
    if (f->nitems >= FWCFG_MAX_ITEMS)
      return -1;
    it = &f->items[f->nitems++];
    it->key = key;
    it->data = NULL;
    it->len = 0;
  }
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy)
    return -1;
  if (len)
    memcpy(copy, data, len);
  free(it->data);
  it->data = copy;
  it->len = len;
  return 0;
}

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

int fwcfg_add_file(FwCfg *f, const char *name, const void *data, uint32_t len) {
  size_t n = strlen(name);
  if (n == 0 || n >= FWCFG_NAME_LEN)
    return -1;
  FwCfgItem *dir = find_item(f, FWCFG_FILE_DIR);
  if (!dir)
    return -1;
  uint16_t key = (uint16_t)(FWCFG_FILE_FIRST + f->nfiles);
  if (fwcfg_add_item(f, key, data, len) < 0)
    return -1;
  /* Rebuild the directory with one more entry (64 bytes each). */
  uint32_t dlen = 4 + 64u * (uint32_t)(f->nfiles + 1);
  uint8_t *d = calloc(1, dlen);
  if (!d)
    return -1;
  if (dir->len > 4)
    memcpy(d + 4, dir->data + 4, dir->len - 4);
  put_be32(d, (uint32_t)(f->nfiles + 1));
  uint8_t *e = d + 4 + 64 * f->nfiles;
  put_be32(e, len);
  e[4] = (uint8_t)(key >> 8);
  e[5] = (uint8_t)key;
  memcpy(e + 8, name, n);
  free(dir->data);
  dir->data = d;
  dir->len = dlen;
  f->nfiles++;
  return key;
}

static void fwcfg_reset(void *opaque) {
  FwCfg *f = opaque;
  f->selector = 0;
  f->offset = 0;
}


FwCfg *fwcfg_new(IoBus *bus) {
  FwCfg *f = calloc(1, sizeof(*f));
  if (!f)
    return NULL;
  /* Snapshots from before this device existed have no chunk: that loads as
   * a reset (nothing selected), which is what such a machine had. */
  f->dev = (Device){.name = "fwcfg", .opaque = f, .reset = fwcfg_reset,
                    .chunk = {{.state = f, .table = fwcfg_table, .optional = true}}};
  static const uint8_t id[4] = {1, 0, 0, 0};   /* traditional interface, no DMA */
  static const uint8_t one[2] = {1, 0};         /* one CPU */
  static const uint8_t nodir[4] = {0, 0, 0, 0}; /* no files yet */
  if (fwcfg_add_item(f, FWCFG_SIGNATURE, "QEMU", 4) < 0 || fwcfg_add_item(f, FWCFG_ID, id, 4) < 0 ||
      fwcfg_add_item(f, FWCFG_NB_CPUS, one, 2) < 0 || fwcfg_add_item(f, FWCFG_MAX_CPUS, one, 2) < 0 ||
      fwcfg_add_item(f, FWCFG_FILE_DIR, nodir, 4) < 0 ||
      (bus && iobus_register(bus, FWCFG_PORT_SEL, 2, fwcfg_read, fwcfg_write, f, "fw_cfg") < 0)) {
    fwcfg_free(f);
    return NULL;
  }
  return f;
}

void fwcfg_free(FwCfg *f) {
  if (!f)
    return;
  for (int i = 0; i < f->nitems; i++)
    free(f->items[i].data);
  free(f);
}
