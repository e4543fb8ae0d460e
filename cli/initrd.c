// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An initramfs reader, without cpio or decompressor processes: the check must work the same
 * whichever generator (dracut, initramfs-tools) built the image and whatever tools are
 * installed. Images are small enough (tens of MB) to hold in memory whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include "initrd.h"
#include "sysroot.h"
#include "util.h"

#define DEPTH_MAX 2 /* an archive in a compressed stream: no deeper */

struct buf {
	uint8_t *p;
	size_t len, alloc;
	size_t max; /* what the walk's budget leaves for this stream */
};

static int buf_room(struct buf *b, size_t need)
{
	size_t n;
	uint8_t *p;

	if (b->len + need <= b->alloc)
		return 0;
	if (b->len >= b->max)
		return -EFBIG;
	/* The last step may be smaller than asked: the decompressors take what room there is. */
	if (need > b->max - b->len)
		need = b->max - b->len;
	n = b->alloc ? b->alloc : 1 << 20;
	while (n < b->len + need)
		n *= 2;
	if (n > b->max)
		n = b->max;
	p = realloc(b->p, n);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->alloc = n;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Each decompressor returns the input bytes it consumed, or negative errno. */
static ssize_t gunzip(const uint8_t *in, size_t len, struct buf *out)
{
	z_stream z = {.next_in = (Bytef *)in, .avail_in = len};
	int r;

	/* 16 + MAX_WBITS: gzip framing. */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	do {
		if ((r = buf_room(out, 1 << 20)) < 0)
			break;
		z.next_out = out->p + out->len;
		z.avail_out = out->alloc - out->len;
		r = inflate(&z, Z_NO_FLUSH);
		out->len = out->alloc - z.avail_out;
		r = r == Z_STREAM_END ? 1 : r == Z_OK ? 0 : -EBADMSG;
	} while (r == 0 && z.avail_in);
	inflateEnd(&z);
	return r < 0 ? r : (ssize_t)(len - z.avail_in);
}

static ssize_t unxz(const uint8_t *in, size_t len, struct buf *out)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret lr;
	int r = 0;

	/* Kernel images are xz --check=crc32; LZMA_CONCATENATED would eat the padding after. */
	if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
		return -ENOMEM;
	s.next_in = in;
	s.avail_in = len;
	do {
		if ((r = buf_room(out, 1 << 20)) < 0)
			break;
		s.next_out = out->p + out->len;
		s.avail_out = out->alloc - out->len;
		lr = lzma_code(&s, LZMA_FINISH);
		out->len = out->alloc - s.avail_out;
		r = lr == LZMA_STREAM_END		    ? 1
		    : lr == LZMA_OK || lr == LZMA_BUF_ERROR ? 0
							    : -EBADMSG;
	} while (r == 0 && s.avail_in);
	lzma_end(&s);
	return r < 0 ? r : (ssize_t)(len - s.avail_in);
}

static ssize_t unzstd(const uint8_t *in, size_t len, struct buf *out)
{
	ZSTD_DStream *d = ZSTD_createDStream();
	ZSTD_inBuffer ib = {in, len, 0};
	size_t ret = 1;
	int r = 0;

	if (!d)
		return -ENOMEM;
	/* Frames follow each other until something that is not a frame. */
	while (ib.pos < len && r == 0) {
		ZSTD_outBuffer ob;

		if ((r = buf_room(out, 1 << 20)) < 0)
			break;
		ob = (ZSTD_outBuffer){out->p + out->len, out->alloc - out->len, 0};
		ret = ZSTD_decompressStream(d, &ob, &ib);
		out->len += ob.pos;
		if (ZSTD_isError(ret))
			r = ib.pos ? 1 : -EBADMSG;
		else if (ret == 0 && (len - ib.pos < 4 || le32(in + ib.pos) != 0xFD2FB528))
			r = 1;
	}
	ZSTD_freeDStream(d);
	return r < 0 ? r : (ssize_t)ib.pos;
}

/* lz4 -l, what both generators use: magic, then blocks of LE32 size + data, 8 MB out each. */
static ssize_t unlz4_legacy(const uint8_t *in, size_t len, struct buf *out)
{
	const size_t block_max = 8 << 20;
	size_t pos = 4;
	int r;

	while (pos + 4 <= len) {
		uint32_t n = le32(in + pos);
		size_t room;
		int got;

		/* The next magic, padding, or another format: the stream is over. */
		if (n == 0x184C2102 || n == 0 || n > (uint32_t)LZ4_compressBound(block_max) ||
		    pos + 4 + n > len)
			break;
		if ((r = buf_room(out, block_max)) < 0)
			return r;
		/* Near the end of the budget, a block that unpacks to more than is left fails. */
		room = out->alloc - out->len < block_max ? out->alloc - out->len : block_max;
		got = LZ4_decompress_safe((const char *)in + pos + 4, (char *)out->p + out->len, n,
					  room);
		if (got < 0)
			return room < block_max ? -EFBIG : -EBADMSG;
		out->len += got;
		pos += 4 + n;
	}
	return pos;
}

static ssize_t unlz4_frame(const uint8_t *in, size_t len, struct buf *out)
{
	LZ4F_dctx *d;
	size_t pos = 0, ret = 1;
	int r = 0;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
		return -ENOMEM;
	while (pos < len && ret != 0) {
		size_t in_n = len - pos, out_n;

		if ((r = buf_room(out, 1 << 20)) < 0)
			break;
		out_n = out->alloc - out->len;
		ret = LZ4F_decompress(d, out->p + out->len, &out_n, in + pos, &in_n, NULL);
		if (LZ4F_isError(ret)) {
			r = -EBADMSG;
			break;
		}
		out->len += out_n;
		pos += in_n;
	}
	LZ4F_freeDecompressionContext(d);
	return r < 0 ? r : (ssize_t)pos;
}

static uint32_t hex8(const uint8_t *p, bool *ok)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		int c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			*ok = false;
	}
	return v;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

struct walk {
	initrd_file_cb cb;
	void *userdata;
	bool found; /* any archive member at all */
	/*
	 * Decompressed bytes left for the whole walk, nested streams included: a decompression
	 * bomb, or many small ones after each other, ends in -EFBIG, so time and memory stay
	 * bounded by the budget whatever the image holds.
	 */
	size_t budget;
};

static int walk(struct walk *w, const uint8_t *p, size_t len, int depth);

/* One cpio member at p; *used is its size with padding. */
static int member(struct walk *w, const uint8_t *p, size_t len, size_t *used)
{
	bool ok = true;
	uint32_t mode, size, namesize;
	const char *name;
	size_t data;

	if (len < 110)
		return -EBADMSG;
	mode = hex8(p + 14, &ok);
	size = hex8(p + 54, &ok);
	namesize = hex8(p + 94, &ok);
	data = pad4(110 + namesize);
	if (!ok || namesize == 0 || data > len || size > len - data || p[110 + namesize - 1])
		return -EBADMSG;
	name = (const char *)p + 110;
	*used = pad4(data + size);
	if (*used > len)
		*used = len;
	w->found = true;
	if (streq(name, "TRAILER!!!"))
		return 0;
	while (*name == '.' && name[1] == '/')
		name += 2;
	while (*name == '/')
		name++;
	if (S_ISREG(mode) && w->cb)
		return w->cb(w->userdata, name, p + data, size, mode);
	return 0;
}

static int walk(struct walk *w, const uint8_t *p, size_t len, int depth)
{
	size_t pos = 0;

	while (pos < len) {
		const uint8_t *q = p + pos;
		size_t left = len - pos, used = 0;
		struct buf out = {.max = w->budget};
		ssize_t n = -EBADMSG;
		int r;

		if (*q == 0) { /* padding between archives */
			pos++;
			continue;
		}
		if (left >= 6 && (memcmp(q, "070701", 6) == 0 || memcmp(q, "070702", 6) == 0)) {
			r = member(w, q, left, &used);
			if (r)
				return r;
			pos += used;
			continue;
		}
		if (depth >= DEPTH_MAX || left < 6)
			break;
		if (q[0] == 0x1f && (q[1] == 0x8b || q[1] == 0x9e))
			n = gunzip(q, left, &out);
		else if (memcmp(q,
				"\xfd"
				"7zXZ\0",
				6) == 0)
			n = unxz(q, left, &out);
		else if (le32(q) == 0xFD2FB528)
			n = unzstd(q, left, &out);
		else if (le32(q) == 0x184C2102)
			n = unlz4_legacy(q, left, &out);
		else if (le32(q) == 0x184D2204)
			n = unlz4_frame(q, left, &out);
		else
			break; /* bzip2, lzo or garbage after the last archive: not ours to judge */
		if (n < 0) {
			free(out.p);
			return n;
		}
		w->budget -= out.len;
		r = walk(w, out.p, out.len, depth + 1);
		free(out.p);
		if (r)
			return r;
		pos += n ? (size_t)n : left;
	}
	return 0;
}

int initrd_walk_mem(const uint8_t *p, size_t len, size_t max_out, initrd_file_cb cb, void *userdata)
{
	struct walk w = {cb, userdata, false, max_out};
	int r;

	if (len == 0)
		return -EBADMSG;
	r = walk(&w, p, len, 0);
	if (r == 0 && !w.found)
		return -EBADMSG;
	return r;
}

int initrd_walk(const char *path, initrd_file_cb cb, void *userdata)
{
	/* No FIFO or device node planted in /boot is opened: check's time stays bounded. */
	_cleanup_close_ int fd = vb_open_regular(path, NULL);
	struct stat st;
	void *map;
	int r;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size == 0)
		return -EBADMSG;
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	r = initrd_walk_mem(map, st.st_size, INITRD_OUT_MAX, cb, userdata);
	munmap(map, st.st_size);
	return r;
}
