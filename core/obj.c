/* core/obj.c - reference counts for shared objects (see lyre/obj.h). */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "lyre/obj.h"
#include "lyre/utils.h"

/* The header sits in front of the object; max_align_t keeps the object
 * aligned for any type it may hold. */
struct obj_header {
	atomic_uint refs;
	ly_destructor destroy;
	max_align_t align[];
};

static struct obj_header *header_of(const void *obj)
{
	return (struct obj_header *)((char *)obj - sizeof(struct obj_header));
}

void *ly_obj_alloc(size_t size, ly_destructor destroy)
{
	struct obj_header *h = ly_calloc(1, sizeof(*h) + size);

	atomic_init(&h->refs, 1);
	h->destroy = destroy;
	return h + 1;
}

void *ly_ref(void *obj)
{
	if (obj)
		atomic_fetch_add_explicit(&header_of(obj)->refs, 1, memory_order_relaxed);
	return obj;
}

void *ly_unref(void *obj)
{
	struct obj_header *h;

	if (!obj)
		return NULL;
	h = header_of(obj);
	/* acq_rel: the destroying thread must see every write made by the
	 * threads that dropped their references before it. */
	if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) == 1) {
		if (h->destroy)
			h->destroy(obj);
		free(h);
	}
	return NULL;
}

unsigned ly_obj_refs(const void *obj)
{
	return obj ? atomic_load(&header_of(obj)->refs) : 0;
}
