/*
 * json.h — a small JSON reader for the test data (numbers, strings, arrays,
 * objects, true/false/null).  Test-only; not used by the emulator.
 */
#ifndef X86VM_TEST_JSON_H
#define X86VM_TEST_JSON_H

#include <stddef.h>

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } JType;

typedef struct JVal {
  JType type;
  double num;          /* J_NUM, J_BOOL (0/1) */
  char *str;           /* J_STR */
  struct JVal *items;  /* J_ARR / J_OBJ: values */
  char **keys;         /* J_OBJ: keys */
  size_t n;            /* number of items */
} JVal;

/* Parse text; returns NULL and sets *err on error. Free with json_free. */
JVal *json_parse(const char *text, const char **err);
void json_free(JVal *v);
const JVal *json_get(const JVal *obj, const char *key); /* NULL if absent */

#endif
