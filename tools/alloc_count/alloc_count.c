// alloc_count: an LD_PRELOAD library that counts heap allocations per thread,
// for scripts/bench-allocs. Not linked into anything the project ships.
//
// DESIGN. Every allocation entry point a C++ program can reach is wrapped:
// malloc, calloc, realloc, the aligned allocators, jemalloc's *allocx, and
// every operator new and delete (jemalloc exports its own, so they must be
// wrapped too, not only malloc). A wrapper counts, then calls the next
// definition of the same symbol (dlsym RTLD_NEXT). A call made from inside a
// wrapper (libstdc++'s operator new calling malloc, say) is not counted
// again: a thread-local depth says so.
//
// The counts live in a file (FM_ALLOC_COUNT_FILE), mapped shared, one slot per
// thread that ever allocated: its kernel thread id and its counts. Each slot
// is written only by its thread; a reader maps or reads the file at any time
// (scripts/lib/alloc_count.py) and names the threads from /proc. Slots of
// threads that exited keep their counts. Without FM_ALLOC_COUNT_FILE, or once
// the slots are used up, the wrappers only forward.
//
// Build: cc -O2 -shared -fPIC -o alloc_count.so alloc_count.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FM_MAX_THREADS 1024
#define FM_MAGIC 0x31434c41434d4646ull  // "FFMCALC1", little-endian

// File layout: a header, then FM_MAX_THREADS slots. Read by alloc_count.py.
struct fm_slot {
  int64_t tid;
  uint64_t allocations;  // malloc, calloc, aligned, new, mallocx, realloc(NULL)
  uint64_t reallocations;  // realloc and rallocx of a live block
  uint64_t frees;        // free, delete, dallocx (of non-null pointers)
  uint64_t bytes;        // bytes asked for by the counted allocations
};
struct fm_header {
  uint64_t magic;
  uint64_t slot_count;
  _Atomic uint64_t slots_used;
  uint64_t reserved;
};

static struct fm_header* fm_map;  // null: not counting
static _Atomic int fm_state;      // 0 not set up, 1 setting up, 2 done
static __thread struct fm_slot* fm_own_slot;
static __thread int fm_depth;

// Memory handed out while dlsym resolves the next allocator (dlsym may
// allocate itself); never freed, never passed on.
static char fm_boot[16384] __attribute__((aligned(64)));
static _Atomic size_t fm_boot_used;
static int FmIsBoot(const void* p) { return (const char*)p >= fm_boot && (const char*)p < fm_boot + sizeof fm_boot; }
static void* FmBootAlloc(size_t size) {
  size = (size + 63) & ~(size_t)63;
  size_t at = atomic_fetch_add(&fm_boot_used, size);
  return at + size <= sizeof fm_boot ? fm_boot + at : NULL;
}

static void FmSetUp(void) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&fm_state, &expected, 1)) return;
  const char* path = getenv("FM_ALLOC_COUNT_FILE");
  if (path != NULL && *path != '\0') {
    size_t size = sizeof(struct fm_header) + FM_MAX_THREADS * sizeof(struct fm_slot);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0 && ftruncate(fd, (off_t)size) == 0) {
      void* map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (map != MAP_FAILED) {
        struct fm_header* header = map;
        header->slot_count = FM_MAX_THREADS;
        header->magic = FM_MAGIC;
        fm_map = header;
      }
    }
    if (fd >= 0) close(fd);
  }
  atomic_store(&fm_state, 2);
}

static struct fm_slot* FmSlot(void) {
  if (fm_own_slot != NULL) return fm_own_slot;
  if (atomic_load(&fm_state) != 2) FmSetUp();
  if (atomic_load(&fm_state) != 2 || fm_map == NULL) return NULL;
  uint64_t index = atomic_fetch_add(&fm_map->slots_used, 1);
  if (index >= FM_MAX_THREADS) return NULL;
  struct fm_slot* slot = (struct fm_slot*)(fm_map + 1) + index;
  slot->tid = (int64_t)syscall(SYS_gettid);
  fm_own_slot = slot;
  return slot;
}

static void FmCountAlloc(size_t size) {
  struct fm_slot* slot = FmSlot();
  if (slot == NULL) return;
  slot->allocations++;
  slot->bytes += size;
}
static void FmCountRealloc(size_t size) {
  struct fm_slot* slot = FmSlot();
  if (slot == NULL) return;
  slot->reallocations++;
  slot->bytes += size;
}
static void FmCountFree(const void* p) {
  if (p == NULL) return;
  struct fm_slot* slot = FmSlot();
  if (slot != NULL) slot->frees++;
}

static __thread int fm_resolving;
static void* FmNext(const char* name) {
  fm_resolving = 1;
  void* next = dlsym(RTLD_NEXT, name);
  fm_resolving = 0;
  if (next == NULL) abort();
  return next;
}

// NEXT(var, name, type): the next definition of `name`, looked up once.
#define NEXT(var, name, type)                                   \
  static __typeof__(type) var;                                            \
  if (var == NULL) var = (type)FmNext(name)

// Counts around a call when it is the outermost wrapper on this thread.
#define COUNTED(count, call)  \
  int outer = fm_depth++ == 0; \
  if (outer) count;            \
  call;                        \
  fm_depth--

void* malloc(size_t size) {
  if (fm_resolving) return FmBootAlloc(size);
  NEXT(next, "malloc", void* (*)(size_t));
  void* p;
  COUNTED(FmCountAlloc(size), p = next(size));
  return p;
}

void* calloc(size_t n, size_t size) {
  if (fm_resolving) return FmBootAlloc(n * size);  // static memory is zeroed
  NEXT(next, "calloc", void* (*)(size_t, size_t));
  void* p;
  COUNTED(FmCountAlloc(n * size), p = next(n, size));
  return p;
}

void* realloc(void* old, size_t size) {
  NEXT(next, "realloc", void* (*)(void*, size_t));
  if (FmIsBoot(old)) {  // leave boot memory where it is
    void* p = malloc(size);
    if (p != NULL) {
      const char* from = old;
      char* to = p;
      for (size_t i = 0; i < size && from + i < fm_boot + sizeof fm_boot; i++) to[i] = from[i];
    }
    return p;
  }
  void* p;
  COUNTED(old == NULL ? FmCountAlloc(size) : FmCountRealloc(size), p = next(old, size));
  return p;
}

void free(void* p) {
  if (FmIsBoot(p)) return;
  NEXT(next, "free", void (*)(void*));
  COUNTED(FmCountFree(p), next(p));
}

int posix_memalign(void** out, size_t alignment, size_t size) {
  NEXT(next, "posix_memalign", int (*)(void**, size_t, size_t));
  int rc;
  COUNTED(FmCountAlloc(size), rc = next(out, alignment, size));
  return rc;
}

void* aligned_alloc(size_t alignment, size_t size) {
  NEXT(next, "aligned_alloc", void* (*)(size_t, size_t));
  void* p;
  COUNTED(FmCountAlloc(size), p = next(alignment, size));
  return p;
}

void* memalign(size_t alignment, size_t size) {
  NEXT(next, "memalign", void* (*)(size_t, size_t));
  void* p;
  COUNTED(FmCountAlloc(size), p = next(alignment, size));
  return p;
}

void* valloc(size_t size) {
  NEXT(next, "valloc", void* (*)(size_t));
  void* p;
  COUNTED(FmCountAlloc(size), p = next(size));
  return p;
}

// jemalloc's non-standard API, in case a library calls it directly.
void* mallocx(size_t size, int flags) {
  NEXT(next, "mallocx", void* (*)(size_t, int));
  void* p;
  COUNTED(FmCountAlloc(size), p = next(size, flags));
  return p;
}
void* rallocx(void* old, size_t size, int flags) {
  NEXT(next, "rallocx", void* (*)(void*, size_t, int));
  void* p;
  COUNTED(FmCountRealloc(size), p = next(old, size, flags));
  return p;
}
void dallocx(void* p, int flags) {
  NEXT(next, "dallocx", void (*)(void*, int));
  COUNTED(FmCountFree(p), next(p, flags));
}
void sdallocx(void* p, size_t size, int flags) {
  NEXT(next, "sdallocx", void (*)(void*, size_t, int));
  COUNTED(FmCountFree(p), next(p, size, flags));
}

// operator new and delete, by their mangled names (this file is C).
#define WRAP_NEW(symbol, params, args, size)   \
  void* symbol params {                        \
    NEXT(next, #symbol, void* (*)params);      \
    void* p;                                   \
    COUNTED(FmCountAlloc(size), p = next args); \
    return p;                                  \
  }
#define WRAP_DELETE(symbol, params, args, ptr) \
  void symbol params {                         \
    NEXT(next, #symbol, void (*)params);       \
    COUNTED(FmCountFree(ptr), next args);      \
  }

typedef struct fm_nothrow fm_nothrow;  // std::nothrow_t, only passed by reference
WRAP_NEW(_Znwm, (size_t n), (n), n)
WRAP_NEW(_Znam, (size_t n), (n), n)
WRAP_NEW(_ZnwmRKSt9nothrow_t, (size_t n, const fm_nothrow* t), (n, t), n)
WRAP_NEW(_ZnamRKSt9nothrow_t, (size_t n, const fm_nothrow* t), (n, t), n)
WRAP_NEW(_ZnwmSt11align_val_t, (size_t n, size_t a), (n, a), n)
WRAP_NEW(_ZnamSt11align_val_t, (size_t n, size_t a), (n, a), n)
WRAP_NEW(_ZnwmSt11align_val_tRKSt9nothrow_t, (size_t n, size_t a, const fm_nothrow* t), (n, a, t), n)
WRAP_NEW(_ZnamSt11align_val_tRKSt9nothrow_t, (size_t n, size_t a, const fm_nothrow* t), (n, a, t), n)
WRAP_DELETE(_ZdlPv, (void* p), (p), p)
WRAP_DELETE(_ZdaPv, (void* p), (p), p)
WRAP_DELETE(_ZdlPvm, (void* p, size_t n), (p, n), p)
WRAP_DELETE(_ZdaPvm, (void* p, size_t n), (p, n), p)
WRAP_DELETE(_ZdlPvRKSt9nothrow_t, (void* p, const fm_nothrow* t), (p, t), p)
WRAP_DELETE(_ZdaPvRKSt9nothrow_t, (void* p, const fm_nothrow* t), (p, t), p)
WRAP_DELETE(_ZdlPvSt11align_val_t, (void* p, size_t a), (p, a), p)
WRAP_DELETE(_ZdaPvSt11align_val_t, (void* p, size_t a), (p, a), p)
WRAP_DELETE(_ZdlPvmSt11align_val_t, (void* p, size_t n, size_t a), (p, n, a), p)
WRAP_DELETE(_ZdaPvmSt11align_val_t, (void* p, size_t n, size_t a), (p, n, a), p)
WRAP_DELETE(_ZdlPvSt11align_val_tRKSt9nothrow_t, (void* p, size_t a, const fm_nothrow* t), (p, a, t), p)
WRAP_DELETE(_ZdaPvSt11align_val_tRKSt9nothrow_t, (void* p, size_t a, const fm_nothrow* t), (p, a, t), p)
