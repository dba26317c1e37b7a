/*
 * sdl.c — the SDL2 window front end (see frontend.h).
 *
 * Two threads.  The emulation thread runs the runner (runner.h) and, about
 * every display refresh, asks the VGA what changed (vga_render_dirty) into
 * its own frame buffer and publishes the changed rectangle into a shared
 * buffer — with a try-lock, so emulation never waits for the window: a
 * frame the window is busy with is merged into the next one.  The window
 * thread (the caller's, as SDL wants) handles input, turns it into runner
 * events (runner_post), uploads published rectangles to a texture and
 * presents.  It reads no device state.
 *
 * Keys go to the guest as they are pressed and released (no host key
 * repeat: the guest's keyboard repeats); Ctrl+Alt+letter are the window's
 * own keys (options_usage lists them).  A click grabs the mouse, Ctrl+Alt+G
 * releases it; losing focus releases every key the guest thinks is down.
 *
 * Beside the debugger (sdl_view_open, for the TUI) the roles turn round:
 * the debugger's thread runs the machine and publishes a frame after each
 * command and every frame time while a command runs (sdl_view_show), and
 * the window has a thread of its own.  Its input waits in a queue of the
 * window's until the guest runs: a stopped machine does not change.
 */
#include "frontend.h"

#include <stdio.h>
#include <string.h>

#ifndef X86VM_HAVE_SDL
bool sdl_available(void) { return false; }
MachineStop sdl_run(Runner *r, const Options *o) {
  (void)o;
  snprintf(r->error, sizeof r->error, "this build has no SDL2 window");
  return MSTOP_HOST_ERROR;
}
void *sdl_view_open(Runner *r, const Options *o, char *err, size_t errlen) {
  (void)r, (void)o;
  snprintf(err, errlen, "this build has no SDL2 window");
  return NULL;
}
bool sdl_view_show(void *view, bool running) {
  (void)view, (void)running;
  return false;
}
bool sdl_view_closed(void *view) {
  (void)view;
  return false;
}
void sdl_view_close(void *view) { (void)view; }
#else
#include <SDL.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "keymap.h"
#include "monitor.h"
#include "pcspk.h"
#include "vga.h"

#define FRAME_NS 16666667ull /* publish frames at 60 Hz */
#define FB_STRIDE VGA_MAX_WIDTH
#define CON_ROWS 16   /* the monitor console: lines kept and shown */
#define CON_COLS 96
#define AUDIO_RATE 48000
#define AUDIO_MAX_QUEUED (AUDIO_RATE / 5) /* frames: beyond 200 ms queued, drop */
#define VIEW_QUEUE 256 /* window input held for the guest while the debugger has it stopped */

typedef struct Shared {
  SDL_mutex *lock;
  uint32_t *buf;        /* published frame, FB_STRIDE pixels per row */
  int w, h;
  VgaRect dirty;        /* published and not yet uploaded (w = 0: none) */
  bool resized;         /* size changed since the window last looked */
  uint32_t seq;         /* bumped at each publish */
} Shared;

typedef struct Win {
  Runner *r;
  const Options *o;
  /* emulation thread */
  uint32_t *emu_buf;
  int emu_w, emu_h;
  VgaRect pend;         /* rendered but not yet published */
  bool pend_resized;
  Uint32 wake_event;    /* SDL user event: a frame was published / the run ended */
  SDL_AudioDeviceID audio; /* the PC speaker's output (0: none) */
  int16_t *samples;     /* AUDIO_MAX_QUEUED frames */
  /* shared */
  Shared sh;
  /* window thread */
  SDL_Window *win;
  SDL_Renderer *ren;
  SDL_Texture *tex;
  SDL_Texture *help_tex;
  uint32_t *ui_buf;
  int tex_w, tex_h;
  uint32_t seen_seq;
  bool grabbed, fullscreen, integer_scale, show_help;
  MachineStop result;
  volatile int done;
  char state_path[1000];
  /* the monitor console (Ctrl+Alt+M): answers from the emulation thread */
  SDL_mutex *con_lock;
  char con[CON_ROWS][CON_COLS + 1]; /* ring of lines, con_top the oldest */
  int con_top, con_col;
  volatile int con_changed;
  char con_line[CON_COLS - 8];      /* what is being typed */
  bool show_console;
  SDL_Texture *con_tex;
  char title[256];
  /* beside the debugger (view): the window's thread and its input queue */
  bool view;
  pthread_t view_thread;
  pthread_mutex_t vq_lock;
  RunnerEvent vq[VIEW_QUEUE];
  unsigned vq_head, vq_tail;
  volatile int closed;  /* closed by its user (or Ctrl+Alt+Q): the run ends */
  volatile int running; /* a debugger command runs (the title says so) */
  uint64_t next_frame_ns;
  pthread_mutex_t open_lock; /* the window thread says whether the window opened */
  pthread_cond_t open_cond;
  int open_state;            /* 0 opening, 1 open, -1 failed */
} Win;

bool sdl_available(void) {
  const char *d = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY"), *v = getenv("SDL_VIDEODRIVER");
  return (d && *d) || (w && *w) || (v && *v);
}

static VgaRect rect_union(VgaRect a, VgaRect b) {
  if (a.w <= 0 || a.h <= 0)
    return b;
  if (b.w <= 0 || b.h <= 0)
    return a;
  int x0 = a.x < b.x ? a.x : b.x, y0 = a.y < b.y ? a.y : b.y;
  int x1 = a.x + a.w > b.x + b.w ? a.x + a.w : b.x + b.w;
  int y1 = a.y + a.h > b.y + b.h ? a.y + a.h : b.y + b.h;
  return (VgaRect){x0, y0, x1 - x0, y1 - y0};
}

/* ---------------- emulation thread ---------------- */

/* The PC speaker's samples since the last frame into SDL's queue (SDL_QueueAudio
 * is safe from this thread; pcspk must be called from the machine's). */
/* Render the speaker up to now into SDL's queue.  Silence is skipped (the
 * cursor moves, no sample is made) and not queued: an empty queue plays
 * silence, and queued silence would only delay the next sound.  true if
 * silent. */
static bool feed_audio(Win *w) {
  PcSpk *spk = w->r->m->spk;
  if (!w->audio || !spk)
    return true;
  bool silent = pcspk_silent(spk);
  size_t n = pcspk_frames_due(spk, AUDIO_RATE);
  if (silent) {
    pcspk_skip(spk, n, AUDIO_RATE);
    return true;
  }
  while (n) {
    size_t k = n < AUDIO_MAX_QUEUED ? n : AUDIO_MAX_QUEUED;
    pcspk_render(spk, w->samples, k, AUDIO_RATE);
    if (!silent && SDL_GetQueuedAudioSize(w->audio) / sizeof(int16_t) < AUDIO_MAX_QUEUED)
      SDL_QueueAudio(w->audio, w->samples, (Uint32)(k * sizeof(int16_t)));
    n -= k;
  }
  return silent;
}

typedef enum { PUBLISH_NONE, PUBLISH_BUSY, PUBLISH_DONE } Publish;

/* Renders what changed on the adapter into emu_buf and hands what is pending
 * to the window through the shared buffer.  With wait false it gives up while
 * the window holds the lock (PUBLISH_BUSY: the pending area is kept for the
 * next try); with wait true it waits, the window holding the lock only to
 * copy.  PUBLISH_NONE: nothing pending. */
static Publish publish_frame(Win *w, bool wait) {
  Vga *vga = w->r->m->vga;
  int fw, fh;
  VgaRect d;
  if (vga_render_dirty(vga, w->emu_buf, FB_STRIDE, &fw, &fh, &d)) {
    if (fw != w->emu_w || fh != w->emu_h) {
      w->pend_resized = true;
      w->emu_w = fw;
      w->emu_h = fh;
      d = (VgaRect){0, 0, fw, fh};
    }
    w->pend = rect_union(w->pend, d);
  }
  if (w->pend.w <= 0)
    return PUBLISH_NONE;
  if (wait)
    SDL_LockMutex(w->sh.lock);
  else if (SDL_TryLockMutex(w->sh.lock) != 0)
    return PUBLISH_BUSY;
  for (int y = w->pend.y; y < w->pend.y + w->pend.h; y++)
    memcpy(w->sh.buf + (size_t)y * FB_STRIDE + w->pend.x, w->emu_buf + (size_t)y * FB_STRIDE + w->pend.x,
           (size_t)w->pend.w * 4);
  w->sh.w = w->emu_w;
  w->sh.h = w->emu_h;
  w->sh.dirty = rect_union(w->sh.dirty, w->pend);
  w->sh.resized |= w->pend_resized;
  w->sh.seq++;
  SDL_UnlockMutex(w->sh.lock);
  w->pend = (VgaRect){0, 0, 0, 0};
  w->pend_resized = false;
  return PUBLISH_DONE;
}

/* The runner's frame hook: render what changed, publish if the window is not busy. */
static bool on_frame(void *opaque) {
  Win *w = opaque;
  bool silent = feed_audio(w);
  switch (publish_frame(w, false)) {
  case PUBLISH_NONE:
    return silent; /* nothing new (a sounding speaker needs every frame) */
  case PUBLISH_BUSY:
    return false; /* the window is copying: next frame */
  case PUBLISH_DONE:
    break;
  }
  SDL_Event ev = {.type = w->wake_event};
  SDL_PushEvent(&ev);
  return silent;
}

static int emu_main(void *opaque) {
  Win *w = opaque;
  w->result = runner_run(w->r, w->o->timeout);
  (void)on_frame(w); /* the last picture */
  w->done = 1;
  SDL_Event ev = {.type = w->wake_event};
  SDL_PushEvent(&ev);
  return 0;
}

/* The window's monitor answers (emulation thread): into the console's lines. */
static void con_put(Win *w, const char *text, size_t len) {
  for (size_t i = 0; i < len; i++) {
    char ch = text[i];
    int row = (w->con_top + CON_ROWS - 1) % CON_ROWS; /* the newest line */
    if (ch == '\n' || w->con_col >= CON_COLS) {
      w->con_top = (w->con_top + 1) % CON_ROWS;
      row = (w->con_top + CON_ROWS - 1) % CON_ROWS;
      w->con[row][0] = 0;
      w->con_col = 0;
      if (ch == '\n')
        continue;
    }
    if (ch == '\r')
      continue;
    w->con[row][w->con_col++] = (ch >= 32 && ch < 127) ? ch : '?';
    w->con[row][w->con_col] = 0;
  }
}

static void con_sink(void *opaque, const char *text, size_t len) {
  Win *w = opaque;
  SDL_LockMutex(w->con_lock);
  con_put(w, text, len);
  SDL_UnlockMutex(w->con_lock);
  w->con_changed = 1;
  SDL_Event ev = {.type = w->wake_event};
  SDL_PushEvent(&ev);
}

/* ---------------- window thread ---------------- */

static void post(Win *w, RunnerEventKind kind, int a, int b, int c, int d, const char *path) {
  RunnerEvent ev = {.kind = kind, .a = a, .b = b, .c = c, .d = d};
  if (path)
    snprintf(ev.path, sizeof ev.path, "%s", path);
  if (!w->view) {
    runner_post(w->r, &ev);
    return;
  }
  /* Not runner_post: it would stop the machine, and so a running debugger
   * command.  Full: dropped (the guest has not run for 256 key strokes). */
  pthread_mutex_lock(&w->vq_lock);
  if (w->vq_tail - w->vq_head < VIEW_QUEUE)
    w->vq[w->vq_tail++ % VIEW_QUEUE] = ev;
  pthread_mutex_unlock(&w->vq_lock);
}

static void set_grab(Win *w, bool on) {
  w->grabbed = on;
  SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
  SDL_SetWindowGrab(w->win, on ? SDL_TRUE : SDL_FALSE);
}

static const char *const help_lines[] = {
    "x86vm window keys (hold Ctrl+Alt):",
    "",
    "  G  release the mouse (a click grabs it)",
    "  F  fullscreen on/off",
    "  I  integer / smooth scaling",
    "  P  pause / resume",
    "  R  reset",
    "  Q  power off",
    "  S  save state      L  load state",
    "  N  screenshot (PNG in the current folder)",
    "  D  send Ctrl+Alt+Del to the guest",
    "  E  eject the floppy",
    "  M  the monitor console (type commands; Esc closes)",
    "  H  this help",
    "",
    "Drop an image file on the window to insert it",
    "(an ISO as the CD, a floppy image as drive A:).",
};

/* A text panel as a texture: our 8x16 font, white on translucent blue, a
 * character cell of margin around rows x cols. */
static SDL_Texture *text_panel(Win *w, const char *const *lines, int rows, int cols) {
  int tw = (cols + 2) * 8, th = (rows + 2) * 16;
  uint32_t *px = calloc((size_t)tw * th, 4);
  if (!px)
    return NULL;
  const uint8_t *font = vga_builtin_font();
  for (int i = 0; i < tw * th; i++)
    px[i] = 0xf0102060u;
  for (int row = 0; row < rows; row++) {
    const char *s = lines[row];
    for (int col = 0; s && s[col] && col < cols; col++)
      for (int y = 0; y < 16; y++) {
        uint8_t bits = font[(uint8_t)s[col] * 16 + y];
        for (int x = 0; x < 8; x++)
          if (bits & (0x80 >> x))
            px[(size_t)((row + 1) * 16 + y) * tw + (col + 1) * 8 + x] = 0xffffffffu;
      }
  }
  SDL_Texture *t = SDL_CreateTexture(w->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, tw, th);
  if (t) {
    SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    SDL_UpdateTexture(t, NULL, px, tw * 4);
  }
  free(px);
  return t;
}

/* Beside the debugger the terminal runs the machine: no pause, reset,
 * states, media or monitor from the window. */
static const char *const view_help_lines[] = {
    "x86vm window beside the debugger (hold Ctrl+Alt):",
    "",
    "  G  release the mouse (a click grabs it)",
    "  F  fullscreen on/off",
    "  I  integer / smooth scaling",
    "  D  send Ctrl+Alt+Del to the guest",
    "  Q  end the run (as closing the window)",
    "  H  this help",
    "",
    "Keys and the mouse reach the guest while it runs",
    "(continue in the terminal); typed while it is",
    "stopped, they wait until it runs.",
};

static void make_help(Win *w) {
  if (w->view)
    w->help_tex = text_panel(w, view_help_lines, (int)(sizeof view_help_lines / sizeof view_help_lines[0]), 50);
  else
    w->help_tex = text_panel(w, help_lines, (int)(sizeof help_lines / sizeof help_lines[0]), 50);
}

/* The monitor console's panel: its last lines and the line being typed. */
static void make_console(Win *w) {
  static char rows[CON_ROWS + 2][CON_COLS + 16];
  const char *lines[CON_ROWS + 2];
  snprintf(rows[0], sizeof rows[0], "x86vm monitor (Ctrl+Alt+M or Esc closes; 'help' lists commands)");
  SDL_LockMutex(w->con_lock);
  for (int i = 0; i < CON_ROWS; i++)
    snprintf(rows[i + 1], sizeof rows[i + 1], "%s", w->con[(w->con_top + i) % CON_ROWS]);
  SDL_UnlockMutex(w->con_lock);
  w->con_changed = 0;
  snprintf(rows[CON_ROWS + 1], sizeof rows[CON_ROWS + 1], "(x86vm) %s_", w->con_line);
  for (int i = 0; i < CON_ROWS + 2; i++)
    lines[i] = rows[i];
  if (w->con_tex)
    SDL_DestroyTexture(w->con_tex);
  w->con_tex = text_panel(w, lines, CON_ROWS + 2, CON_COLS);
}

static void console_key(Win *w, const SDL_Event *ev) {
  size_t n = strlen(w->con_line);
  if (ev->type == SDL_TEXTINPUT) {
    for (const char *p = ev->text.text; *p; p++)
      if (*p >= 32 && *p < 127 && n + 1 < sizeof w->con_line) {
        w->con_line[n++] = *p;
        w->con_line[n] = 0;
      }
  } else if (ev->key.keysym.sym == SDLK_BACKSPACE && n) {
    w->con_line[n - 1] = 0;
  } else if (ev->key.keysym.sym == SDLK_ESCAPE) {
    w->show_console = false;
  } else if (ev->key.keysym.sym == SDLK_RETURN || ev->key.keysym.sym == SDLK_KP_ENTER) {
    char echo[sizeof w->con_line + 16];
    int len = snprintf(echo, sizeof echo, "(x86vm) %s\n", w->con_line);
    SDL_LockMutex(w->con_lock);
    con_put(w, echo, (size_t)len);
    SDL_UnlockMutex(w->con_lock);
    post(w, REV_MONITOR, 0, 0, 0, 0, w->con_line);
    w->con_line[0] = 0;
  }
  make_console(w);
}

/* Where the guest picture goes in the window: aspect kept, integer steps or smooth. */
static SDL_Rect dest_rect(Win *w) {
  int ww, wh;
  SDL_GetRendererOutputSize(w->ren, &ww, &wh);
  SDL_Rect d = {0, 0, ww, wh};
  if (w->tex_w <= 0 || w->tex_h <= 0)
    return d;
  double sx = (double)ww / w->tex_w, sy = (double)wh / w->tex_h;
  double s = sx < sy ? sx : sy;
  if (w->integer_scale && s >= 1)
    s = (int)s;
  d.w = (int)(w->tex_w * s);
  d.h = (int)(w->tex_h * s);
  d.x = (ww - d.w) / 2;
  d.y = (wh - d.h) / 2;
  return d;
}

static void present(Win *w) {
  SDL_SetRenderDrawColor(w->ren, 0, 0, 0, 255);
  SDL_RenderClear(w->ren);
  if (w->tex) {
    SDL_Rect d = dest_rect(w);
    SDL_RenderCopy(w->ren, w->tex, NULL, &d);
  }
  if (w->show_console) {
    if (w->con_changed || !w->con_tex)
      make_console(w);
    if (w->con_tex) {
      int tw, th, ww, wh;
      SDL_QueryTexture(w->con_tex, NULL, NULL, &tw, &th);
      SDL_GetRendererOutputSize(w->ren, &ww, &wh);
      double k = tw > ww ? (double)ww / tw : 1.0;
      SDL_Rect d = {(ww - (int)(tw * k)) / 2, wh - (int)(th * k), (int)(tw * k), (int)(th * k)};
      SDL_RenderCopy(w->ren, w->con_tex, NULL, &d);
    }
  }
  if (w->show_help && w->help_tex) {
    int tw, th, ww, wh;
    SDL_QueryTexture(w->help_tex, NULL, NULL, &tw, &th);
    SDL_GetRendererOutputSize(w->ren, &ww, &wh);
    SDL_Rect d = {(ww - tw) / 2, (wh - th) / 2, tw, th};
    SDL_RenderCopy(w->ren, w->help_tex, NULL, &d);
  }
  SDL_RenderPresent(w->ren);
}

/* A new guest screen size: the window follows it at --scale, or by
 * default 1:1 (2:1 for screens up to 400 pixels wide, such as 320x200),
 * made smaller if it would not fit the desktop. */
static void fit_window(Win *w, int fw, int fh) {
  int scale = w->o->scale ? (int)w->o->scale : fw <= 400 ? 2 : 1;
  SDL_Rect b;
  if (SDL_GetDisplayUsableBounds(SDL_GetWindowDisplayIndex(w->win), &b) == 0)
    while (scale > 1 && (fw * scale > b.w || fh * scale > b.h))
      scale--;
  SDL_SetWindowSize(w->win, fw * scale, fh * scale);
}

/* Take what the emulation thread published into the texture. true if anything. */
static bool take_frame(Win *w) {
  SDL_LockMutex(w->sh.lock);
  if (w->sh.seq == w->seen_seq) {
    SDL_UnlockMutex(w->sh.lock);
    return false;
  }
  w->seen_seq = w->sh.seq;
  VgaRect d = w->sh.dirty;
  int fw = w->sh.w, fh = w->sh.h;
  bool resized = w->sh.resized;
  for (int y = d.y; y < d.y + d.h; y++)
    memcpy(w->ui_buf + (size_t)y * FB_STRIDE + d.x, w->sh.buf + (size_t)y * FB_STRIDE + d.x, (size_t)d.w * 4);
  w->sh.dirty = (VgaRect){0, 0, 0, 0};
  w->sh.resized = false;
  SDL_UnlockMutex(w->sh.lock);
  if (fw <= 0 || fh <= 0)
    return false;
  if (resized || !w->tex || fw != w->tex_w || fh != w->tex_h) {
    if (w->tex)
      SDL_DestroyTexture(w->tex);
    if (!w->fullscreen)
      fit_window(w, fw, fh);
    w->tex = SDL_CreateTexture(w->ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING, fw, fh);
    w->tex_w = fw;
    w->tex_h = fh;
    d = (VgaRect){0, 0, fw, fh};
  }
  if (!w->tex)
    return false;
  SDL_Rect r = {d.x, d.y, d.w, d.h};
  SDL_UpdateTexture(w->tex, &r, w->ui_buf + (size_t)d.y * FB_STRIDE + d.x, FB_STRIDE * 4);
  return true;
}

static void update_title(Win *w) {
  if (w->view) {
    char t[256];
    snprintf(t, sizeof t, "x86vm - debugger: %s - %s", w->running ? "running" : "stopped",
             w->grabbed ? "Ctrl+Alt+G releases the mouse" : "Ctrl+Alt+H: help");
    if (strcmp(t, w->title) != 0) {
      snprintf(w->title, sizeof w->title, "%s", t);
      SDL_SetWindowTitle(w->win, t);
    }
    return;
  }
  const char *engine = w->o->engine == ENGINE_JIT ? "jit" : w->o->engine == ENGINE_LOCKSTEP ? "lockstep" : "interp";
  bool paused = __atomic_load_n(&w->r->paused, __ATOMIC_RELAXED);
  char t[256];
  snprintf(t, sizeof t, "x86vm - %s - %s - %.1f MIPS%s", paused ? "paused" : "running", engine, w->r->mips,
           w->grabbed ? " - Ctrl+Alt+G releases the mouse" : " - Ctrl+Alt+H: help");
  if (strcmp(t, w->title) != 0) {
    snprintf(w->title, sizeof w->title, "%s", t);
    SDL_SetWindowTitle(w->win, t);
  }
}

static void screenshot_name(char *buf, size_t n) {
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  strftime(buf, n, "x86vm-%Y%m%d-%H%M%S.png", &tm);
}

/* Beside the debugger, closing the window ends the run as the TUI's quit
 * does (a guest screen that vanished would leave the user guessing): the
 * window hides at once, the debugger sees `closed` at its next look and
 * stops a running command, and sdl_view_close() takes the window down. */
static void view_close_request(Win *w) {
  w->closed = 1;
  SDL_HideWindow(w->win);
}

/* Ctrl+Alt+key: the window's own keys. true if it was one. */
static bool hotkey(Win *w, SDL_Keycode k) {
  char path[64];
  if (w->view) { /* the others are the terminal's business (the key is eaten) */
    switch (k) {
    case SDLK_g: case SDLK_f: case SDLK_i: case SDLK_d: case SDLK_h: break;
    case SDLK_q: view_close_request(w); return true;
    default: return true;
    }
  }
  switch (k) {
  case SDLK_g: set_grab(w, false); return true;
  case SDLK_f:
    w->fullscreen = !w->fullscreen;
    SDL_SetWindowFullscreen(w->win, w->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
    return true;
  case SDLK_i:
    w->integer_scale = !w->integer_scale;
    SDL_SetTextureScaleMode(w->tex, w->integer_scale ? SDL_ScaleModeNearest : SDL_ScaleModeLinear);
    return true;
  case SDLK_p: post(w, REV_TOGGLE_PAUSE, 0, 0, 0, 0, NULL); return true;
  case SDLK_r: post(w, REV_RESET, 0, 0, 0, 0, NULL); return true;
  case SDLK_q: post(w, REV_POWER_OFF, 0, 0, 0, 0, NULL); return true;
  case SDLK_s: post(w, REV_SAVE, 0, 0, 0, 0, w->state_path); return true;
  case SDLK_l: post(w, REV_LOAD, 0, 0, 0, 0, w->state_path); return true;
  case SDLK_n:
    screenshot_name(path, sizeof path);
    post(w, REV_SCREENSHOT, 0, 0, 0, 0, path);
    return true;
  case SDLK_d: post(w, REV_KEYS, 0, 0, 0, 0, "<ctrl-alt-delete>"); return true;
  case SDLK_e: post(w, REV_EJECT, PC_FDA, 0, 0, 0, NULL); return true;
  case SDLK_h: w->show_help = !w->show_help; return true;
  case SDLK_m:
    w->show_console = !w->show_console;
    if (w->show_console)
      make_console(w);
    return true;
  default: return false;
  }
}

static int mouse_buttons(Uint32 state) {
  return ((state & SDL_BUTTON_LMASK) ? 1 : 0) | ((state & SDL_BUTTON_RMASK) ? 2 : 0) |
         ((state & SDL_BUTTON_MMASK) ? 4 : 0);
}

static void handle(Win *w, const SDL_Event *ev) {
  switch (ev->type) {
  case SDL_QUIT:
    if (w->view)
      view_close_request(w);
    else
      post(w, REV_QUIT, 0, 0, 0, 0, NULL);
    break;
  case SDL_TEXTINPUT:
    if (w->show_console)
      console_key(w, ev);
    break;
  case SDL_KEYDOWN:
  case SDL_KEYUP: {
    Uint16 mod = ev->key.keysym.mod; /* as it was at this event (GetModState is already later) */
    if (ev->type == SDL_KEYDOWN && (mod & KMOD_CTRL) && (mod & KMOD_ALT) && hotkey(w, ev->key.keysym.sym))
      break;
    if (w->show_console) { /* the console has the keyboard */
      if (ev->type == SDL_KEYDOWN)
        console_key(w, ev);
      break;
    }
    if (ev->key.repeat)
      break; /* the guest's keyboard repeats, not the host's */
    KeyCode key = keymap_from_hid(ev->key.keysym.scancode);
    if (key != KEY_NONE)
      post(w, REV_KEY, key, ev->type == SDL_KEYDOWN, 0, 0, NULL);
    break;
  }
  case SDL_MOUSEBUTTONDOWN:
    if (!w->grabbed) {
      set_grab(w, true); /* the click that grabs is not the guest's */
      break;
    }
    post(w, REV_MOUSE, 0, 0, 0, mouse_buttons(SDL_GetMouseState(NULL, NULL)), NULL);
    break;
  case SDL_MOUSEBUTTONUP:
    if (w->grabbed)
      post(w, REV_MOUSE, 0, 0, 0, mouse_buttons(SDL_GetMouseState(NULL, NULL)), NULL);
    break;
  case SDL_MOUSEMOTION:
    if (w->grabbed)
      post(w, REV_MOUSE, ev->motion.xrel, ev->motion.yrel, 0, mouse_buttons(ev->motion.state), NULL);
    break;
  case SDL_MOUSEWHEEL:
    if (w->grabbed)
      post(w, REV_MOUSE, 0, 0, -ev->wheel.y, mouse_buttons(SDL_GetMouseState(NULL, NULL)), NULL);
    break;
  case SDL_WINDOWEVENT:
    if (ev->window.event == SDL_WINDOWEVENT_FOCUS_LOST) {
      post(w, REV_RELEASE_KEYS, 0, 0, 0, 0, NULL);
      if (w->grabbed)
        set_grab(w, false);
    }
    break;
  case SDL_DROPFILE:
    post(w, REV_CHANGE, -1, 0, 0, 0, ev->drop.file);
    SDL_free(ev->drop.file);
    break;
  default: break;
  }
}

static void default_state_path(Win *w) {
  if (w->o->state_file) {
    snprintf(w->state_path, sizeof w->state_path, "%s", w->o->state_file);
    return;
  }
  const MachineConfig *c = &w->r->m->cfg;
  static const int order[] = {PC_HDA, PC_CDROM, PC_FDA, PC_HDB, PC_FDB};
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
    if (c->images[order[i]]) {
      snprintf(w->state_path, sizeof w->state_path, "%s.x86state", c->images[order[i]]);
      return;
    }
  snprintf(w->state_path, sizeof w->state_path, "x86vm.x86state");
}

/* Whether the renderer draws with OpenGL implemented on the CPU.  Only when
 * the user left the choice to SDL (SDL_RENDER_DRIVER unset). */
static bool gl_is_software(SDL_Renderer *ren) {
  SDL_RendererInfo info;
  const char *forced = SDL_GetHint(SDL_HINT_RENDER_DRIVER);
  if ((forced && *forced) || SDL_GetRendererInfo(ren, &info) != 0 || strncmp(info.name, "opengl", 6) != 0)
    return false;
  /* The renderer's context is current on this thread; glGetString is the
   * one GL call made, so no GL header is needed (GL_RENDERER = 1F01h). */
  typedef const unsigned char *(*GetStringFn)(unsigned);
  GetStringFn get = (GetStringFn)SDL_GL_GetProcAddress("glGetString");
  const char *name = get ? (const char *)get(0x1F01) : NULL;
  return name && (strstr(name, "llvmpipe") || strstr(name, "softpipe") || strstr(name, "Software Rasterizer"));
}

/* SDL, the buffers, the window and its renderer; w->r and w->o set.  0, or
 * -1 with r->error set.  On the window's thread (SDL wants one thread for
 * its video calls). */
static int window_open(Win *w) {
  Runner *r = w->r;
  const Options *o = w->o;
  w->integer_scale = true;
  default_state_path(w);
  if (w->view) /* the debugger's SIGINT/SIGTERM handlers stay (SDL would make them SDL_QUIT) */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    snprintf(r->error, sizeof r->error, "cannot open a window: %s", SDL_GetError());
    return -1;
  }
  size_t fb = (size_t)VGA_MAX_WIDTH * VGA_MAX_HEIGHT;
  w->emu_buf = calloc(fb, 4);
  w->sh.buf = calloc(fb, 4);
  w->ui_buf = calloc(fb, 4);
  w->sh.lock = SDL_CreateMutex();
  w->con_lock = SDL_CreateMutex();
  w->wake_event = SDL_RegisterEvents(1);
  int scale = o->scale ? (int)o->scale : 1;
  w->win = SDL_CreateWindow(w->view ? "x86vm - debugger" : "x86vm", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                            720 * scale, 400 * scale, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI |
                                             (o->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0));
  w->fullscreen = o->fullscreen;
  if (w->win)
    w->ren = SDL_CreateRenderer(w->win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
  if (w->ren && gl_is_software(w->ren)) {
    /* A rasteriser on the CPU (Mesa's llvmpipe, e.g. under Xvfb or on a
     * host without a GPU driver) costs milliseconds per present where
     * copying the window's pixels to the X server costs a fraction: draw
     * in software, to the window system's own framebuffer (SDL would put
     * a GL texture behind the window surface again otherwise). */
    SDL_DestroyRenderer(w->ren);
    w->ren = NULL;
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
  }
  if (w->win && !w->ren)
    w->ren = SDL_CreateRenderer(w->win, -1, SDL_RENDERER_SOFTWARE);
  if (!w->emu_buf || !w->sh.buf || !w->ui_buf || !w->sh.lock || !w->con_lock || w->wake_event == (Uint32)-1 ||
      !w->win || !w->ren) {
    snprintf(r->error, sizeof r->error, "cannot open a window: %s", SDL_GetError());
    return -1;
  }
  make_help(w);
  return 0;
}

/* The window's event loop until w->done: input, published frames, the title. */
static void window_loop(Win *w) {
  Uint32 last_title = 0;
  while (!w->done) {
    SDL_Event ev;
    bool redraw = false;
    if (SDL_WaitEventTimeout(&ev, 250)) {
      do {
        if (ev.type != w->wake_event)
          handle(w, &ev);
        if (ev.type == SDL_WINDOWEVENT || ((ev.type == SDL_KEYDOWN || ev.type == SDL_TEXTINPUT) && (w->show_help || w->show_console)) ||
            (ev.type == SDL_KEYDOWN && (ev.key.keysym.mod & KMOD_CTRL) && (ev.key.keysym.mod & KMOD_ALT)))
          redraw = true;
      } while (SDL_PollEvent(&ev));
    }
    redraw |= take_frame(w);
    redraw |= w->show_console && w->con_changed;
    if (redraw)
      present(w);
    Uint32 now = SDL_GetTicks();
    if (now - last_title >= 500 || (w->view && now - last_title >= 100)) {
      update_title(w);
      last_title = now;
    }
  }
}

/* Everything window_open() made (as far as it got). */
static void window_close(Win *w) {
  if (w->con_tex)
    SDL_DestroyTexture(w->con_tex);
  if (w->con_lock)
    SDL_DestroyMutex(w->con_lock);
  if (w->help_tex)
    SDL_DestroyTexture(w->help_tex);
  if (w->tex)
    SDL_DestroyTexture(w->tex);
  if (w->ren)
    SDL_DestroyRenderer(w->ren);
  if (w->win)
    SDL_DestroyWindow(w->win);
  if (w->sh.lock)
    SDL_DestroyMutex(w->sh.lock);
  free(w->emu_buf);
  free(w->sh.buf);
  free(w->ui_buf);
  SDL_Quit();
}

MachineStop sdl_run(Runner *r, const Options *o) {
  static Win win;
  Win *w = &win;
  memset(w, 0, sizeof *w);
  w->r = r;
  w->o = o;
  MachineStop result = MSTOP_HOST_ERROR;
  if (window_open(w) < 0)
    goto out;
  r->ui_monitor = monitor_new_sink(r, con_sink, w);
  if (!o->no_audio && SDL_InitSubSystem(SDL_INIT_AUDIO) == 0) {
    SDL_AudioSpec want = {.freq = AUDIO_RATE, .format = AUDIO_S16SYS, .channels = 1, .samples = 1024}, have;
    w->samples = calloc(AUDIO_MAX_QUEUED, sizeof(int16_t));
    w->audio = w->samples ? SDL_OpenAudioDevice(NULL, 0, &want, &have, 0) : 0;
    if (w->audio)
      SDL_PauseAudioDevice(w->audio, 0);
    else
      fprintf(stderr, "x86vm: no sound: %s\n", SDL_GetError());
  }
  SDL_EventState(SDL_DROPFILE, SDL_ENABLE);
  r->on_frame = on_frame;
  r->frame_opaque = w;
  r->frame_ns = FRAME_NS;
  SDL_Thread *th = SDL_CreateThread(emu_main, "x86vm-cpu", w);
  if (!th) {
    snprintf(r->error, sizeof r->error, "cannot start the emulation thread: %s", SDL_GetError());
    goto out;
  }
  window_loop(w);
  SDL_WaitThread(th, NULL);
  if (take_frame(w))
    present(w);
  result = w->result;
out:
  if (w->audio)
    SDL_CloseAudioDevice(w->audio);
  free(w->samples);
  r->on_frame = NULL;
  r->frame_ns = 0;
  monitor_free(r->ui_monitor);
  r->ui_monitor = NULL;
  window_close(w);
  return result;
}

/* ---------------- beside the debugger ---------------- */

static void *view_main(void *opaque) {
  Win *w = opaque;
  int ok = window_open(w) == 0 ? 1 : -1;
  if (ok > 0)
    SDL_EventState(SDL_DROPFILE, SDL_DISABLE); /* media changes are the terminal's */
  pthread_mutex_lock(&w->open_lock);
  w->open_state = ok;
  pthread_cond_signal(&w->open_cond);
  pthread_mutex_unlock(&w->open_lock);
  if (ok > 0)
    window_loop(w);
  window_close(w);
  return NULL;
}

void *sdl_view_open(Runner *r, const Options *o, char *err, size_t errlen) {
  Win *w = calloc(1, sizeof *w);
  if (!w) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  w->r = r;
  w->o = o;
  w->view = true;
  pthread_mutex_init(&w->vq_lock, NULL);
  pthread_mutex_init(&w->open_lock, NULL);
  pthread_cond_init(&w->open_cond, NULL);
  /* The window's thread blocks SIGINT and SIGTERM, so they reach the
   * debugger's thread, whose wait for a key they must interrupt. */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  int rc = pthread_create(&w->view_thread, NULL, view_main, w);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    snprintf(err, errlen, "cannot start the window's thread");
    free(w);
    return NULL;
  }
  pthread_mutex_lock(&w->open_lock);
  while (w->open_state == 0)
    pthread_cond_wait(&w->open_cond, &w->open_lock);
  pthread_mutex_unlock(&w->open_lock);
  if (w->open_state < 0) {
    pthread_join(w->view_thread, NULL);
    snprintf(err, errlen, "%s", r->error);
    free(w);
    return NULL;
  }
  return w;
}

bool sdl_view_show(void *view, bool running) {
  Win *w = view;
  if (w->closed)
    return true;
  w->running = running;
  uint64_t now = clock_host_ns();
  if (running) {
    /* The window's input, in the order typed: only what reaches the guest
     * (hotkey() let nothing else through). */
    for (;;) {
      pthread_mutex_lock(&w->vq_lock);
      bool any = w->vq_head != w->vq_tail;
      RunnerEvent ev;
      if (any)
        ev = w->vq[w->vq_head++ % VIEW_QUEUE];
      pthread_mutex_unlock(&w->vq_lock);
      if (!any)
        break;
      char err[600];
      if (runner_apply(w->r, &ev, err, sizeof err) < 0)
        fprintf(stderr, "x86vm: %s\n", err);
      else
        w->r->m->host_inputs++; /* reverse execution cannot replay it */
    }
    if (now < w->next_frame_ns)
      return false;
  }
  w->next_frame_ns = now + FRAME_NS;
  /* Unlike on_frame, wait for the window: a stopped machine publishes no
   * second chance. */
  (void)publish_frame(w, true);
  SDL_Event ev = {.type = w->wake_event}; /* also: the title's running/stopped */
  SDL_PushEvent(&ev);
  return false;
}

bool sdl_view_closed(void *view) { return ((Win *)view)->closed != 0; }

void sdl_view_close(void *view) {
  Win *w = view;
  if (!w)
    return;
  w->done = 1;
  SDL_Event ev = {.type = w->wake_event};
  SDL_PushEvent(&ev);
  pthread_join(w->view_thread, NULL);
  pthread_mutex_destroy(&w->vq_lock);
  pthread_mutex_destroy(&w->open_lock);
  pthread_cond_destroy(&w->open_cond);
  free(w);
}
#endif
