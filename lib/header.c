/* header.c - part headers: columns, metadata, history, JSON. */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "mz.h"

static const char zerohash[] = "0000000000000000";

mz_header *
mz_header_new(void)
{
	mz_header *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->meta = cJSON_CreateObject();
	h->history = cJSON_CreateArray();
	if (h->meta == NULL || h->history == NULL) {
		mz_header_free(h);
		return NULL;
	}
	memcpy(h->processing, zerohash, sizeof(zerohash));
	return h;
}

static void
col_clear(mz_column *c)
{
	free(c->name);
	free(c->unit);
	cJSON_Delete(c->extra);
}

void
mz_header_free(mz_header *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->ncols; i++)
		col_clear(&h->cols[i]);
	free(h->cols);
	cJSON_Delete(h->meta);
	cJSON_Delete(h->history);
	free(h);
}

mz_header *
mz_header_copy(const mz_header *src)
{
	mz_header *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->meta = cJSON_Duplicate(src->meta, 1);
	h->history = cJSON_Duplicate(src->history, 1);
	memcpy(h->processing, src->processing, sizeof(h->processing));
	if (h->meta == NULL || h->history == NULL)
		goto fail;
	if (src->ncols > 0) {
		h->cols = calloc(src->ncols, sizeof(*h->cols));
		if (h->cols == NULL)
			goto fail;
	}
	for (size_t i = 0; i < src->ncols; i++) {
		const mz_column *s = &src->cols[i];
		mz_column *d = &h->cols[i];
		h->ncols = i + 1;
		d->type = s->type;
		d->name = strdup(s->name);
		d->unit = s->unit ? strdup(s->unit) : NULL;
		d->extra = s->extra ? cJSON_Duplicate(s->extra, 1) : NULL;
		if (d->name == NULL || (s->unit && d->unit == NULL) ||
		    (s->extra && d->extra == NULL))
			goto fail;
	}
	return h;
fail:
	mz_header_free(h);
	return NULL;
}

int
mz_header_find(const mz_header *h, const char *name)
{
	for (size_t i = 0; i < h->ncols; i++)
		if (strcmp(h->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
check_name(const mz_header *h, const char *name, long self, mz_err *err)
{
	int at;

	if (name == NULL || *name == '\0')
		return mz_seterr(err, MZ_ESCHEMA, "empty column name");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return mz_seterr(err, MZ_ESCHEMA,
			    "column name has a control character");
	at = mz_header_find(h, name);
	if (at >= 0 && at != self)
		return mz_seterr(err, MZ_ESCHEMA, "duplicate column name '%s'",
		    name);
	return 0;
}

int
mz_header_add_column(mz_header *h, const char *name, mz_type type,
    const char *unit, mz_err *err)
{
	mz_column *cols, *c;
	int rc;

	if ((rc = check_name(h, name, -1, err)) < 0)
		return rc;
	if (mz_type_size(type) == 0)
		return mz_seterr(err, MZ_EINVAL, "column '%s': invalid type",
		    name);
	cols = realloc(h->cols, (h->ncols + 1) * sizeof(*cols));
	if (cols == NULL)
		return mz_seterr(err, MZ_ENOMEM, "out of memory");
	h->cols = cols;
	c = &cols[h->ncols];
	memset(c, 0, sizeof(*c));
	c->type = type;
	c->name = strdup(name);
	c->unit = unit ? strdup(unit) : NULL;
	if (c->name == NULL || (unit && c->unit == NULL)) {
		col_clear(c);
		return mz_seterr(err, MZ_ENOMEM, "out of memory");
	}
	return (int)h->ncols++;
}

void
mz_header_drop_column(mz_header *h, size_t i)
{
	if (i >= h->ncols)
		return;
	col_clear(&h->cols[i]);
	memmove(&h->cols[i], &h->cols[i + 1],
	    (h->ncols - i - 1) * sizeof(*h->cols));
	h->ncols--;
}

int
mz_header_rename(mz_header *h, size_t i, const char *name, mz_err *err)
{
	char *s;
	int rc;

	if (i >= h->ncols)
		return mz_seterr(err, MZ_EINVAL, "no column %zu", i);
	if ((rc = check_name(h, name, (long)i, err)) < 0)
		return rc;
	if ((s = strdup(name)) == NULL)
		return mz_seterr(err, MZ_ENOMEM, "out of memory");
	free(h->cols[i].name);
	h->cols[i].name = s;
	return 0;
}

int
mz_header_same_columns(const mz_header *a, const mz_header *b)
{
	if (a->ncols != b->ncols)
		return 0;
	for (size_t i = 0; i < a->ncols; i++)
		if (a->cols[i].type != b->cols[i].type ||
		    strcmp(a->cols[i].name, b->cols[i].name) != 0)
			return 0;
	return 1;
}

size_t
mz_header_row_size(const mz_header *h)
{
	size_t n = 0;

	for (size_t i = 0; i < h->ncols; i++)
		n += mz_type_size(h->cols[i].type);
	return n;
}

const char *
mz_meta_str(const mz_header *h, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h->meta, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

double
mz_meta_num(const mz_header *h, const char *key, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h->meta, key);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

int
mz_meta_set(mz_header *h, const char *key, cJSON *item, mz_err *err)
{
	if (item == NULL)
		return mz_seterr(err, MZ_ENOMEM, "out of memory");
	if (cJSON_GetObjectItemCaseSensitive(h->meta, key) != NULL) {
		if (!cJSON_ReplaceItemInObjectCaseSensitive(h->meta, key, item)) {
			cJSON_Delete(item);
			return mz_seterr(err, MZ_ENOMEM, "out of memory");
		}
	} else if (!cJSON_AddItemToObject(h->meta, key, item)) {
		cJSON_Delete(item);
		return mz_seterr(err, MZ_ENOMEM, "out of memory");
	}
	return 0;
}

char *
mz_json_canonical(const cJSON *item)
{
	return cJSON_PrintUnformatted(item);
}

void
mz_hash64_hex(const void *buf, size_t len, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t x = XXH64(buf, len, 0);

	for (int i = 15; i >= 0; i--, x >>= 4)
		out[i] = hex[x & 15];
	out[16] = '\0';
}

int
mz_header_add_history(mz_header *h, const char *tool, const char *version,
    cJSON *options, cJSON *parents, mz_err *err)
{
	cJSON *e = cJSON_CreateObject();
	char *canon = NULL, *buf = NULL, hash[17];
	size_t clen;

	if (options == NULL)
		options = cJSON_CreateObject();
	if (e == NULL || options == NULL ||
	    cJSON_AddStringToObject(e, "tool", tool) == NULL ||
	    cJSON_AddStringToObject(e, "version", version) == NULL)
		goto nomem;
	cJSON_AddItemToObject(e, "options", options);
	options = NULL;
	if (parents != NULL) {
		cJSON_AddItemToObject(e, "parents", parents);
		parents = NULL;
	}
	if ((canon = mz_json_canonical(e)) == NULL)
		goto nomem;
	clen = strlen(canon);
	if ((buf = malloc(16 + 1 + clen)) == NULL)
		goto nomem;
	memcpy(buf, h->processing, 16);
	buf[16] = '\n';
	memcpy(buf + 17, canon, clen);
	mz_hash64_hex(buf, 17 + clen, hash);
	if (cJSON_AddStringToObject(e, "processing", hash) == NULL)
		goto nomem;
	cJSON_AddItemToArray(h->history, e);
	memcpy(h->processing, hash, sizeof(hash));
	free(canon);
	free(buf);
	return 0;
nomem:
	cJSON_Delete(e);
	cJSON_Delete(options);
	cJSON_Delete(parents);
	free(canon);
	free(buf);
	return mz_seterr(err, MZ_ENOMEM, "out of memory");
}

char *
mz_header_to_json(const mz_header *h)
{
	cJSON *root = cJSON_CreateObject(), *cols, *c, *x;
	char *s = NULL;

	if (root == NULL)
		return NULL;
	if ((cols = cJSON_AddArrayToObject(root, "columns")) == NULL)
		goto out;
	for (size_t i = 0; i < h->ncols; i++) {
		const mz_column *col = &h->cols[i];
		if ((c = cJSON_CreateObject()) == NULL)
			goto out;
		cJSON_AddItemToArray(cols, c);
		if (!cJSON_AddStringToObject(c, "name", col->name) ||
		    !cJSON_AddStringToObject(c, "type", mz_type_name(col->type)))
			goto out;
		if (col->unit && !cJSON_AddStringToObject(c, "unit", col->unit))
			goto out;
		if (col->extra)
			cJSON_ArrayForEach(x, col->extra) {
				cJSON *d = cJSON_Duplicate(x, 1);
				if (d == NULL)
					goto out;
				cJSON_AddItemToObject(c, x->string, d);
			}
	}
	if (!cJSON_AddItemToObject(root, "meta", cJSON_Duplicate(h->meta, 1)) ||
	    !cJSON_AddItemToObject(root, "history",
	    cJSON_Duplicate(h->history, 1)) ||
	    !cJSON_AddStringToObject(root, "processing", h->processing))
		goto out;
	s = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return s;
}

static int
ishex16(const char *s)
{
	if (strlen(s) != 16)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

/*
 * dup_key: 1 if some object in the tree at j has the same key twice (cJSON
 * keeps both; mzs(5) rejects them).  Quadratic per object, which is fine
 * for headers: objects there have few keys.  The recursion is as deep as
 * the document, which cJSON's parser limits (CJSON_NESTING_LIMIT).
 */
static int
dup_key(const cJSON *j)
{
	for (const cJSON *c = j ? j->child : NULL; c != NULL; c = c->next) {
		if (cJSON_IsObject(j))
			for (const cJSON *d = c->next; d != NULL; d = d->next)
				if (strcmp(c->string, d->string) == 0)
					return 1;
		if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && dup_key(c))
			return 1;
	}
	return 0;
}

/*
 * has_nul_escape: 1 if the JSON text has a \u0000 escape, at which cJSON
 * would silently cut the string (a column "x\u0000y" would read as "x").
 */
static int
has_nul_escape(const char *s, size_t len)
{
	for (size_t i = 0; i + 6 <= len; i++) {
		if (s[i] != '\\')
			continue;
		if (memcmp(s + i + 1, "u0000", 5) == 0)
			return 1;
		i++;   /* the escaped character, which may be a backslash */
	}
	return 0;
}

mz_header *
mz_header_from_json(const char *text, size_t len, const char *where,
    mz_err *err)
{
	const char *end = NULL;
	cJSON *root, *cols, *c, *x;
	mz_header *h = NULL;
	size_t i;

	/* cJSON skips a UTF-8 byte order mark; mzs(5) forbids one. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		mz_seterr(err, MZ_EFORMAT, "%s: header starts with a byte "
		    "order mark", where);
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL || has_nul_escape(text, len)) {
		mz_seterr(err, MZ_EFORMAT, "%s: header contains a NUL byte",
		    where);
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root == NULL) {
		const char *at = cJSON_GetErrorPtr();
		size_t off = (at && at >= text && at <= text + len) ?
		    (size_t)(at - text) : 0;
		mz_seterr(err, MZ_EFORMAT,
		    "%s: header is not valid JSON (near header byte %zu)",
		    where, off);
		return NULL;
	}
	for (; end && end < text + len; end++)
		if (*end != ' ' && *end != '\n' && *end != '\t' && *end != '\r') {
			mz_seterr(err, MZ_EFORMAT,
			    "%s: header has bytes after its JSON object", where);
			goto fail;
		}
	if (!cJSON_IsObject(root)) {
		mz_seterr(err, MZ_EFORMAT, "%s: header is not a JSON object",
		    where);
		goto fail;
	}
	if (dup_key(root)) {
		mz_seterr(err, MZ_EFORMAT,
		    "%s: header has an object with a repeated key", where);
		goto fail;
	}
	if ((h = mz_header_new()) == NULL)
		goto nomem;
	cols = cJSON_GetObjectItemCaseSensitive(root, "columns");
	if (!cJSON_IsArray(cols)) {
		mz_seterr(err, MZ_EFORMAT, "%s: header has no columns array",
		    where);
		goto fail;
	}
	i = 0;
	cJSON_ArrayForEach(c, cols) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
		const cJSON *ty = cJSON_GetObjectItemCaseSensitive(c, "type");
		const cJSON *un = cJSON_GetObjectItemCaseSensitive(c, "unit");
		mz_type t;
		int rc;

		if (!cJSON_IsObject(c) || !cJSON_IsString(nm) ||
		    !cJSON_IsString(ty)) {
			mz_seterr(err, MZ_EFORMAT, "%s: header column %zu "
			    "needs a name and a type", where, i);
			goto fail;
		}
		if ((t = mz_type_parse(ty->valuestring)) == MZ_NOTYPE) {
			mz_seterr(err, MZ_EFORMAT, "%s: column '%s': unknown "
			    "type '%s'", where, nm->valuestring, ty->valuestring);
			goto fail;
		}
		if (un != NULL && !cJSON_IsString(un)) {
			mz_seterr(err, MZ_EFORMAT, "%s: column '%s': unit is "
			    "not a string", where, nm->valuestring);
			goto fail;
		}
		rc = mz_header_add_column(h, nm->valuestring, t,
		    un ? un->valuestring : NULL, err);
		if (rc < 0) {
			char m[sizeof(err->msg)];
			snprintf(m, sizeof(m), "%s", err ? err->msg : "");
			mz_seterr(err, rc == -MZ_ENOMEM ? MZ_ENOMEM : MZ_EFORMAT,
			    "%s: header column %zu: %s", where, i, m);
			goto fail;
		}
		cJSON_ArrayForEach(x, c) {
			if (strcmp(x->string, "name") == 0 ||
			    strcmp(x->string, "type") == 0 ||
			    strcmp(x->string, "unit") == 0)
				continue;
			mz_column *col = &h->cols[h->ncols - 1];
			if (col->extra == NULL &&
			    (col->extra = cJSON_CreateObject()) == NULL)
				goto nomem;
			cJSON_AddItemToObject(col->extra, x->string,
			    cJSON_Duplicate(x, 1));
		}
		i++;
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(root, "meta")) != NULL) {
		if (!cJSON_IsObject(x)) {
			mz_seterr(err, MZ_EFORMAT, "%s: header meta is not an "
			    "object", where);
			goto fail;
		}
		cJSON_Delete(h->meta);
		h->meta = cJSON_DetachItemViaPointer(root, x);
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(root, "history")) != NULL) {
		if (!cJSON_IsArray(x)) {
			mz_seterr(err, MZ_EFORMAT, "%s: header history is not "
			    "an array", where);
			goto fail;
		}
		cJSON_Delete(h->history);
		h->history = cJSON_DetachItemViaPointer(root, x);
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(root, "processing")) != NULL) {
		if (!cJSON_IsString(x) || !ishex16(x->valuestring)) {
			mz_seterr(err, MZ_EFORMAT, "%s: header processing is "
			    "not 16 lower-case hex digits", where);
			goto fail;
		}
		memcpy(h->processing, x->valuestring, 17);
	}
	cJSON_Delete(root);
	return h;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", where);
fail:
	cJSON_Delete(root);
	mz_header_free(h);
	return NULL;
}
