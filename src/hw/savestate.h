/*
 * savestate.h — machine snapshots: versioned field tables and a chunked file.
 *
 * State is declared next to each struct as an X-macro taking five entry
 * macros: F (scalar), A (array), S (array of nested structs), and FR / AR,
 * a scalar / an array whose every element must lie in [min, max]:
 *
 *   #define PIT_CHANNEL_FIELDS(F, A, S, FR, AR)          \
 *     FR(uint32_t, count, 0, 65536) // divides: never 0 \   (use C comments)
 *     FR(uint8_t, mode, 0, 5)                           \
 *     A(uint8_t, latch, 2)                              \
 *   ...
 *   typedef struct PitChannel { SAVE_DECLARE(PIT_CHANNEL_FIELDS) Timer *t; } PitChannel;
 *   #define PIT_CHANNEL_VERSION 1
 *   SAVE_TABLE_DEFINE(pit_channel_table, PitChannel, PIT_CHANNEL_FIELDS, PIT_CHANNEL_VERSION)
 *   S(PitChannel, ch, 3, pit_channel_table) in the parent's table nests it.
 *
 * Scalars are integers of 1, 2, 4 or 8 bytes (bool, uintN_t, intN_t) and are
 * stored little-endian; non-saved fields (timers, callbacks, host handles)
 * go after SAVE_DECLARE() and are rebuilt by the device's post-load hook (device.h).
 *
 * A snapshot file is input like any other: a crafted one (CRCs recomputed)
 * may hold any value in any field.  So every field that indexes an array,
 * is a position or length within a buffer, an enum, a divisor or anything
 * else the device code trusts gets its bounds next to its declaration
 * (FR/AR; bool fields are always 0..1), and fields that depend on each
 * other (pos <= end <= buffer size, a queue's head + length) are checked by
 * the table's invariant function (SAVE_TABLE_DEFINE_CHECKED), which sees
 * the decoded values and the live device (what is not saved: attached disks,
 * video memory size).  save_check_table runs both, for nested tables too,
 * before anything is changed, and names the chunk and the field:
 *   snapshot 'ide0' field 'pos' = 0x7ff00000 out of range 0..0x10000
 * FR with the whole range of the type records "any value is safe here".
 * Constraints are not layout: they do not change the layout hash.
 *
 * File: "X86VMSS\0", u32 format version, u32 0, then chunks
 *   char name[16] | u32 version | u32 layout hash | u64 length | u32 crc32 | u32 0 | payload
 * ending with a chunk named "END".  The layout hash covers field names,
 * sizes and counts, so a table changed without a version bump is caught.
 * A reader validates the whole file (bounds, CRCs, END) when it opens it;
 * loaders check every chunk they need (save_check_table) before they change
 * any state, so a bad snapshot is refused and nothing is half-loaded.
 * Raw chunks (save_put_chunk: RAM, video memory, disk overlays) are
 * validated by their own readers.
 */
#ifndef X86VM_SAVESTATE_H
#define X86VM_SAVESTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct SaveTable SaveTable;
typedef const SaveTable *(*SaveTableFn)(void);
typedef struct SaveReader SaveReader;

typedef struct SaveField {
  const char *name;   /* field name */
  size_t offset;      /* offsetof in the struct */
  uint32_t size;      /* element size in bytes (scalars: 1/2/4/8) */
  uint32_t count;     /* elements */
  SaveTableFn sub;    /* nested struct table, or NULL for scalars */
  /* Value constraint (scalars): when limited, every element lies in
   * [min, max] (as int64_t when is_signed) and has no bit outside mask. */
  bool limited;       /* declared with FR/AR (or a bool): checked on restore */
  bool is_signed;     /* an intN_t: sign-extended before comparing */
  uint64_t min, max;  /* bounds (two's complement when is_signed) */
  uint64_t mask;      /* bits a value may have (UINT64_MAX: any) */
} SaveField;

/* A table's invariant: saved holds the decoded chunk (only the saved fields
 * are meaningful), live the object it would be loaded into (unchanged).
 * Returns 0, or -1 after save_reject_field()/save_reject(). */
typedef int (*SaveCheckFn)(SaveReader *r, const char *chunk, const void *saved, const void *live);

struct SaveTable {
  const char *name;        /* struct name */
  uint32_t version;        /* bumped on every layout change */
  const SaveField *fields; /* in serialisation order */
  uint32_t nfields;
  size_t struct_size;      /* sizeof the struct */
  SaveCheckFn check;       /* invariant between fields, or NULL */
};

/* Declaring the saved fields inside a struct. */
#define SS_DECL_F(type, name) type name;
#define SS_DECL_A(type, name, n) type name[n];
#define SS_DECL_S(type, name, n, fn) type name[n];
#define SS_DECL_FR(type, name, lo, hi) type name;
#define SS_DECL_AR(type, name, n, lo, hi) type name[n];
#define SAVE_DECLARE(FIELDS) FIELDS(SS_DECL_F, SS_DECL_A, SS_DECL_S, SS_DECL_FR, SS_DECL_AR)

/* Type properties as constant expressions (for field entries). */
#define SS_TYPE_IS_BOOL(type) _Generic((type)0, bool: 1, default: 0)
#define SS_TYPE_IS_SIGNED(type) ((type)-1 < (type)1)
#define SS_EXPR_IS_BOOL(e) _Generic((e), bool: 1, default: 0)
#define SS_EXPR_IS_SIGNED(e)                                                                  \
  _Generic((e), signed char: 1, short: 1, int: 1, long: 1, long long: 1, default: 0)

/* Table entries (SsT is the struct type, typedef'd inside the table function).
 * A bool is always limited to 0..1: any other byte would be undefined. */
#define SS_ENT_F(type, name) SS_ENT_A(type, name, 1)
#define SS_ENT_A(type, name, n)                                                               \
  {#name, offsetof(SsT, name), sizeof(type), (n), NULL, SS_TYPE_IS_BOOL(type),                \
   SS_TYPE_IS_SIGNED(type), 0, 1, UINT64_MAX},
#define SS_ENT_S(type, name, n, fn)                                                           \
  {#name, offsetof(SsT, name), sizeof(type), (n), fn, false, false, 0, 0, 0},
#define SS_ENT_FR(type, name, lo, hi) SS_ENT_AR(type, name, 1, lo, hi)
#define SS_ENT_AR(type, name, n, lo, hi)                                                      \
  {#name, offsetof(SsT, name), sizeof(type), (n), NULL, true, SS_TYPE_IS_SIGNED(type),        \
   (uint64_t)(lo), (uint64_t)(hi), UINT64_MAX},

/* Entries for tables written out by hand (struct T laid out for other
 * reasons, e.g. struct Cpu): the type comes from the member itself. */
#define SAVE_FIELD(T, f)                                                                      \
  {#f, offsetof(T, f), sizeof(((T *)0)->f), 1, NULL, SS_EXPR_IS_BOOL(((T *)0)->f), false, 0, 1, \
   UINT64_MAX},
#define SAVE_ARRAY(T, f, n)                                                                   \
  {#f, offsetof(T, f), sizeof(((T *)0)->f[0]), (n), NULL, SS_EXPR_IS_BOOL(((T *)0)->f[0]),    \
   false, 0, 1, UINT64_MAX},
#define SAVE_NESTED(T, f, n, fn) /* n == 1: a struct member, else an array of them */         \
  {#f, offsetof(T, f), (uint32_t)(sizeof(((T *)0)->f) / (n)), (n), fn, false, false, 0, 0, 0},
#define SAVE_FIELD_RANGE(T, f, lo, hi)                                                        \
  {#f, offsetof(T, f), sizeof(((T *)0)->f), 1, NULL, true, SS_EXPR_IS_SIGNED(((T *)0)->f),    \
   (uint64_t)(lo), (uint64_t)(hi), UINT64_MAX},
#define SAVE_FIELD_MASK(T, f, m)                                                              \
  {#f, offsetof(T, f), sizeof(((T *)0)->f), 1, NULL, true, false, 0,                          \
   UINT64_MAX >> (64 - 8 * sizeof(((T *)0)->f)), (m)},

/* Defines `const SaveTable *fn(void)` returning the table of Struct;
 * the _CHECKED form adds an invariant function (SaveCheckFn). */
#define SAVE_TABLE_DEFINE(fn, Struct, FIELDS, ver)                                            \
  SAVE_TABLE_DEFINE_CHECKED(fn, Struct, FIELDS, ver, NULL)
#define SAVE_TABLE_DEFINE_CHECKED(fn, Struct, FIELDS, ver, checkfn)                           \
  const SaveTable *fn(void) {                                                                 \
    typedef Struct SsT;                                                                       \
    static const SaveField fields[] = {                                                       \
        FIELDS(SS_ENT_F, SS_ENT_A, SS_ENT_S, SS_ENT_FR, SS_ENT_AR)};                          \
    static const SaveTable table = {#Struct, (ver), fields,                                   \
                                    sizeof(fields) / sizeof(fields[0]), sizeof(SsT),          \
                                    (checkfn)};                                               \
    return &table;                                                                            \
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
/* A light snapshot leaves out the bulk memory a caller keeps itself (the
 * VGA's video memory: reverse execution stores it page by page, as RAM);
 * its reader must be marked light too, and loading it leaves that memory
 * as it is. */
void save_writer_set_light(SaveWriter *w);
bool save_writer_light(const SaveWriter *w);

/* ---- reading ---- */
/* Read and validate a whole file. NULL with a message in err on failure. */
SaveReader *save_reader_open(const char *path, char *err, size_t errlen);
SaveReader *save_reader_from_buffer(const void *data, size_t len, char *err, size_t errlen);
void save_reader_free(SaveReader *r);
void save_reader_set_light(SaveReader *r);
bool save_reader_light(const SaveReader *r);
/* The snapshot's virtual time (ns), for invariants on timer deadlines: the
 * machine sets it from its "machine" chunk before the devices check theirs
 * (a deadline far behind it would be caught up one period at a time).
 * save_reader_time() is false when nothing set it (a device on its own). */
void save_reader_set_time(SaveReader *r, uint64_t now_ns);
bool save_reader_time(const SaveReader *r, uint64_t *now_ns);
/* Message of the last failure of a check/get call. */
const char *save_error(const SaveReader *r);
/* A device's check refusing a snapshot: sets the message, returns -1. */
int save_reject(SaveReader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, in the common form "snapshot 'CHUNK' field 'FIELD' = VALUE WHY". */
int save_reject_field(SaveReader *r, const char *chunk, const char *field, uint64_t value,
                      const char *why_fmt, ...) __attribute__((format(printf, 5, 6)));
/* Raw chunk: checks presence and version. Returns 0 or -1 (message in save_error). */
int save_get_chunk(SaveReader *r, const char *name, uint32_t version, const void **data,
                   size_t *len);
bool save_has_chunk(const SaveReader *r, const char *name);
/* Table chunk: present, version, layout hash and length match, and every
 * field's constraint holds (nested tables too).  Changes nothing. */
int save_check_fields(SaveReader *r, const char *name, const SaveTable *t);
/* save_check_fields, then the tables' invariants (nested ones first) on the
 * decoded values, with live the object the chunk is meant for (not changed;
 * an invariant may compare with its unsaved members).  Changes nothing. */
int save_check_table(SaveReader *r, const char *name, const SaveTable *t, const void *live);
/* save_check_table(r, name, t, obj), then decode into obj. Returns 0 or -1
 * (obj untouched on failure). */
int save_get_table(SaveReader *r, const char *name, const SaveTable *t, void *obj);

#endif
