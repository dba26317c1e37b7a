/*
 * savestate.h — machine snapshots: versioned field tables and a chunked file.
 *
 * State is declared next to each struct as an X-macro taking three entry
 * macros, F (scalar), A (array) and S (array of nested structs):
 *
 *   #define PIT_CHANNEL_FIELDS(F, A, S)                  \
 *     F(uint16_t, count)   // reload value               \   (use C comments)
 *     A(uint8_t, latch, 2)                               \
 *   ...
 *   typedef struct PitChannel { SAVE_DECLARE(PIT_CHANNEL_FIELDS) Timer *t; } PitChannel;
 *   #define PIT_CHANNEL_VERSION 1
 *   SAVE_TABLE_DEFINE(pit_channel_table, PitChannel, PIT_CHANNEL_FIELDS, PIT_CHANNEL_VERSION)
 *   S(PitChannel, ch, 3, pit_channel_table) in the parent's table nests it.
 *
 * Scalars are integers of 1, 2, 4 or 8 bytes (bool, uintN_t, intN_t) and are
 * stored little-endian; non-saved fields (timers, callbacks, host handles)
 * go after SAVE_DECLARE() and are rebuilt by the device's load function.
 *
 * File: "X86VMSS\0", u32 format version, u32 0, then chunks
 *   char name[16] | u32 version | u32 layout hash | u64 length | u32 crc32 | u32 0 | payload
 * ending with a chunk named "END".  The layout hash covers field names,
 * sizes and counts, so a table changed without a version bump is caught.
 * A reader validates the whole file (bounds, CRCs, END) when it opens it;
 * loaders check every chunk they need (save_check_table) before they change
 * any state, so a bad snapshot is refused and nothing is half-loaded.
 */
#ifndef X86VM_SAVESTATE_H
#define X86VM_SAVESTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct SaveTable SaveTable;
typedef const SaveTable *(*SaveTableFn)(void);

typedef struct SaveField {
  const char *name;   /* field name */
  size_t offset;      /* offsetof in the struct */
  uint32_t size;      /* element size in bytes (scalars: 1/2/4/8) */
  uint32_t count;     /* elements */
  SaveTableFn sub;    /* nested struct table, or NULL for scalars */
} SaveField;

struct SaveTable {
  const char *name;        /* struct name */
  uint32_t version;        /* bumped on every layout change */
  const SaveField *fields; /* in serialisation order */
  uint32_t nfields;
  size_t struct_size;      /* sizeof the struct */
};

/* Declaring the saved fields inside a struct. */
#define SS_DECL_F(type, name) type name;
#define SS_DECL_A(type, name, n) type name[n];
#define SS_DECL_S(type, name, n, fn) type name[n];
#define SAVE_DECLARE(FIELDS) FIELDS(SS_DECL_F, SS_DECL_A, SS_DECL_S)

/* Table entries (SsT is the struct type, typedef'd inside the table function). */
#define SS_ENT_F(type, name) {#name, offsetof(SsT, name), sizeof(type), 1, NULL},
#define SS_ENT_A(type, name, n) {#name, offsetof(SsT, name), sizeof(type), (n), NULL},
#define SS_ENT_S(type, name, n, fn) {#name, offsetof(SsT, name), sizeof(type), (n), fn},

/* Defines `const SaveTable *fn(void)` returning the table of Struct. */
#define SAVE_TABLE_DEFINE(fn, Struct, FIELDS, ver)                                     \
  const SaveTable *fn(void) {                                                          \
    typedef Struct SsT;                                                                \
    static const SaveField fields[] = {FIELDS(SS_ENT_F, SS_ENT_A, SS_ENT_S)};          \
    static const SaveTable table = {#Struct, (ver), fields,                            \
                                    sizeof(fields) / sizeof(fields[0]), sizeof(SsT)};  \
    return &table;                                                                     \
  }

/* Serialised size and layout hash of a table. */
size_t save_table_size(const SaveTable *t);
uint32_t save_table_hash(const SaveTable *t);

/* ---- writing ---- */
typedef struct SaveWriter SaveWriter;
SaveWriter *save_writer_new(void);
void save_writer_free(SaveWriter *w);
/* Raw chunk (the caller defines payload and version; hash 0 if none). */
int save_put_chunk(SaveWriter *w, const char *name, uint32_t version, uint32_t hash,
                   const void *data, size_t len);
/* A raw chunk filled in place (a large payload without a second copy):
 * begin appends the header and room for len bytes and returns where the
 * payload goes (valid until the next call on w; NULL if out of memory);
 * end, called next with the same len, seals it (checksum). */
uint8_t *save_put_chunk_begin(SaveWriter *w, const char *name, uint32_t version, uint32_t hash,
                              size_t len);
int save_put_chunk_end(SaveWriter *w, size_t len);
/* A chunk holding obj serialised with table t. */
int save_put_table(SaveWriter *w, const char *name, const SaveTable *t, const void *obj);
/* Write everything (plus END) to path atomically (path.tmp then rename).
 * Returns 0, or -1 with a message in err. */
int save_writer_commit(SaveWriter *w, const char *path, char *err, size_t errlen);
/* The finished image in memory (plus END); valid until the writer is freed. */
const uint8_t *save_writer_buffer(SaveWriter *w, size_t *len);

/* ---- reading ---- */
typedef struct SaveReader SaveReader;
/* Read and validate a whole file. NULL with a message in err on failure. */
SaveReader *save_reader_open(const char *path, char *err, size_t errlen);
SaveReader *save_reader_from_buffer(const void *data, size_t len, char *err, size_t errlen);
void save_reader_free(SaveReader *r);
/* Message of the last failure of a check/get call. */
const char *save_error(const SaveReader *r);
/* A device's check refusing values out of range: sets the message, returns -1. */
int save_reject(SaveReader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Raw chunk: checks presence and version. Returns 0 or -1 (message in save_error). */
int save_get_chunk(SaveReader *r, const char *name, uint32_t version, const void **data,
                   size_t *len);
bool save_has_chunk(const SaveReader *r, const char *name);
/* Table chunk: present, version, layout hash and length match. Changes nothing. */
int save_check_table(SaveReader *r, const char *name, const SaveTable *t);
/* Check, then decode into obj. Returns 0 or -1 (obj untouched on failure). */
int save_get_table(SaveReader *r, const char *name, const SaveTable *t, void *obj);

#endif
