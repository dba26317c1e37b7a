/*
 * json.c — a small recursive-descent JSON reader (see json.h).
 */
#include "json.h"

#include <stdlib.h>
#include <string.h>

typedef struct { const char *p; const char *err; } Parser;

static void skip_ws(Parser *ps) {
  while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')
    ps->p++;
}

static int parse_value(Parser *ps, JVal *out);

static char *parse_string_raw(Parser *ps) {
  if (*ps->p != '"') {
    ps->err = "expected string";
    return NULL;
  }
  ps->p++;
  size_t cap = 16, len = 0;
  char *s = malloc(cap);
  while (*ps->p && *ps->p != '"') {
    char ch = *ps->p++;
    if (ch == '\\') {
      char e = *ps->p++;
      switch (e) {
      case 'n': ch = '\n'; break;
      case 't': ch = '\t'; break;
      case 'r': ch = '\r'; break;
      case 'b': ch = '\b'; break;
      case 'f': ch = '\f'; break;
      case 'u': ch = '?'; for (int i = 0; i < 4 && *ps->p; i++) ps->p++; break;
      case 0: ps->err = "bad escape"; free(s); return NULL;
      default: ch = e; break;
      }
    }
    if (len + 2 > cap) {
      cap *= 2;
      s = realloc(s, cap);
    }
    s[len++] = ch;
  }
  if (*ps->p != '"') {
    ps->err = "unterminated string";
    free(s);
    return NULL;
  }
  ps->p++;
  s[len] = 0;
  return s;
}

static int parse_list(Parser *ps, JVal *out, int is_obj) {
  char close = is_obj ? '}' : ']';
  ps->p++;
  size_t cap = 8;
  out->type = is_obj ? J_OBJ : J_ARR;
  out->items = malloc(cap * sizeof(JVal));
  out->keys = is_obj ? malloc(cap * sizeof(char *)) : NULL;
  out->n = 0;
  skip_ws(ps);
  if (*ps->p == close) {
    ps->p++;
    return 0;
  }
  for (;;) {
    skip_ws(ps);
    if (out->n == cap) {
      cap *= 2;
      out->items = realloc(out->items, cap * sizeof(JVal));
      if (is_obj)
        out->keys = realloc(out->keys, cap * sizeof(char *));
    }
    if (is_obj) {
      char *k = parse_string_raw(ps);
      if (!k)
        return -1;
      out->keys[out->n] = k;
      skip_ws(ps);
      if (*ps->p != ':') {
        ps->err = "expected ':'";
        free(k);
        return -1;
      }
      ps->p++;
    }
    if (parse_value(ps, &out->items[out->n]) < 0) {
      if (is_obj)
        free(out->keys[out->n]);
      return -1;
    }
    out->n++;
    skip_ws(ps);
    if (*ps->p == ',') {
      ps->p++;
      continue;
    }
    if (*ps->p == close) {
      ps->p++;
      return 0;
    }
    ps->err = "expected ',' or close";
    return -1;
  }
}

static int parse_value(Parser *ps, JVal *out) {
  memset(out, 0, sizeof(*out));
  skip_ws(ps);
  char c = *ps->p;
  if (c == '{')
    return parse_list(ps, out, 1);
  if (c == '[')
    return parse_list(ps, out, 0);
  if (c == '"') {
    out->type = J_STR;
    out->str = parse_string_raw(ps);
    return out->str ? 0 : -1;
  }
  if (!strncmp(ps->p, "true", 4)) { out->type = J_BOOL; out->num = 1; ps->p += 4; return 0; }
  if (!strncmp(ps->p, "false", 5)) { out->type = J_BOOL; ps->p += 5; return 0; }
  if (!strncmp(ps->p, "null", 4)) { out->type = J_NULL; ps->p += 4; return 0; }
  char *end;
  out->num = strtod(ps->p, &end);
  if (end == ps->p) {
    ps->err = "unexpected character";
    return -1;
  }
  out->type = J_NUM;
  ps->p = end;
  return 0;
}

static void free_inner(JVal *v) {
  if (v->type == J_STR)
    free(v->str);
  if (v->type == J_ARR || v->type == J_OBJ) {
    for (size_t i = 0; i < v->n; i++) {
      free_inner(&v->items[i]);
      if (v->keys)
        free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
  }
}

JVal *json_parse(const char *text, const char **err) {
  Parser ps = {text, NULL};
  JVal *v = calloc(1, sizeof(JVal));
  if (parse_value(&ps, v) < 0) {
    *err = ps.err ? ps.err : "parse error";
    free_inner(v); /* partially built values are freed as far as they were built */
    free(v);
    return NULL;
  }
  return v;
}

void json_free(JVal *v) {
  if (!v)
    return;
  free_inner(v);
  free(v);
}

const JVal *json_get(const JVal *obj, const char *key) {
  if (!obj || obj->type != J_OBJ)
    return NULL;
  for (size_t i = 0; i < obj->n; i++)
    if (!strcmp(obj->keys[i], key))
      return &obj->items[i];
  return NULL;
}
