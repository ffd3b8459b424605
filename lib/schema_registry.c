/* schema_registry.c — documents by URI for $ref resolution, from memory or a folder. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "err.h"
#include "file.h"
#include "schema_int.h"

typedef struct reg_ent {
	char *uri;
	cJSON *doc;
} reg_ent;

struct art_schema_registry {
	reg_ent *ents;
	size_t n, cap;
};

int art_schema_registry_new(art_schema_registry **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? ART_OK : ART_ENOMEM;
}

void art_schema_registry_free(art_schema_registry *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->n; i++) {
		free(reg->ents[i].uri);
		cJSON_Delete(reg->ents[i].doc);
	}
	free(reg->ents);
	free(reg);
}

const cJSON *sch_registry_get(const art_schema_registry *reg, const char *uri)
{
	if (!reg)
		return NULL;
	for (size_t i = 0; i < reg->n; i++)
		if (!strcmp(reg->ents[i].uri, uri))
			return reg->ents[i].doc;
	/* then by the $id at a document's root, resolved against where it was found */
	for (size_t i = 0; i < reg->n; i++) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(reg->ents[i].doc, "$id");
		if (!cJSON_IsString(id))
			continue;
		char *abs = sch_uri_resolve(reg->ents[i].uri, id->valuestring);
		if (!abs)
			continue;
		const char *frag;
		char *base = sch_uri_split(abs, &frag);
		int hit = base && !strcmp(base, uri);
		free(abs);
		free(base);
		if (hit)
			return reg->ents[i].doc;
	}
	return NULL;
}

/* takes ownership of doc on success */
static int reg_put(art_schema_registry *reg, const char *uri, cJSON *doc, char *err, size_t errsz)
{
	const char *frag;
	char *u = sch_uri_split(uri, &frag);
	if (!u)
		return ART_ENOMEM;
	if (!sch_uri_is_absolute(u)) {
		snprintf(err, errsz, "registry: \"%s\" is not an absolute URI", uri);
		free(u);
		return ART_EINVAL;
	}
	for (size_t i = 0; i < reg->n; i++) {
		if (!strcmp(reg->ents[i].uri, u)) {
			cJSON_Delete(reg->ents[i].doc);
			reg->ents[i].doc = doc;
			free(u);
			return ART_OK;
		}
	}
	if (reg->n == reg->cap) {
		size_t cap = reg->cap ? reg->cap * 2 : 16;
		reg_ent *ne = realloc(reg->ents, cap * sizeof *ne);
		if (!ne) {
			free(u);
			return ART_ENOMEM;
		}
		reg->ents = ne;
		reg->cap = cap;
	}
	reg->ents[reg->n].uri = u;
	reg->ents[reg->n].doc = doc;
	reg->n++;
	return ART_OK;
}

int art_schema_registry_add(art_schema_registry *reg, const char *uri, const cJSON *doc,
			    char *err, size_t errsz)
{
	if (!reg || !uri || !doc)
		return ART_EINVAL;
	cJSON *d = cJSON_Duplicate(doc, 1);
	if (!d)
		return ART_ENOMEM;
	int rc = reg_put(reg, uri, d, err, errsz);
	if (rc)
		cJSON_Delete(d);
	return rc;
}

int sch_read_json_file(const char *path, cJSON **out, char *err, size_t errsz)
{
	char *text;
	size_t text_len;
	int rc = art_file_read(path, &text, &text_len, err, errsz);
	if (rc)
		return rc;
	const char *ep = NULL;
	cJSON *j = cJSON_ParseWithOpts(text, &ep, 1);
	if (!j) {
		snprintf(err, errsz, "%s: not valid JSON (at byte %ld)", path,
			 ep ? (long)(ep - text) : 0L);
		free(text);
		return ART_EFORMAT;
	}
	free(text);
	*out = j;
	return ART_OK;
}

static int add_dir_rec(art_schema_registry *reg, const char *base_uri, const char *dir,
		       const char *rel, int depth, char *err, size_t errsz)
{
	if (depth > 32) {
		snprintf(err, errsz, "%s: folders nested too deep", dir);
		return ART_ERANGE;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s%s%s", dir, *rel ? "/" : "", rel);
	DIR *d = opendir(path);
	if (!d) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return ART_EIO;
	}
	int rc = ART_OK;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char sub[4096], full[4096];
		if ((size_t)snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name) >= sizeof sub ||
		    (size_t)snprintf(full, sizeof full, "%s/%s", dir, sub) >= sizeof full) {
			snprintf(err, errsz, "%s: path too long", path);
			rc = ART_ERANGE;
			break;
		}
		struct stat st;
		if (stat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = add_dir_rec(reg, base_uri, dir, sub, depth + 1, err, errsz);
		} else if (S_ISREG(st.st_mode)) {
			size_t nl = strlen(de->d_name);
			if (nl < 5 || strcmp(de->d_name + nl - 5, ".json"))
				continue;
			cJSON *j;
			rc = sch_read_json_file(full, &j, err, errsz);
			if (rc)
				break;
			sch_buf u = {0};
			sch_buf_adds(&u, base_uri);
			sch_buf_adds(&u, sub);
			rc = u.oom ? ART_ENOMEM : reg_put(reg, u.s, j, err, errsz);
			if (rc)
				cJSON_Delete(j);
			sch_buf_free(&u);
		}
	}
	closedir(d);
	return rc;
}

int art_schema_registry_add_dir(art_schema_registry *reg, const char *base_uri,
				const char *dir, char *err, size_t errsz)
{
	if (!reg || !base_uri || !dir)
		return ART_EINVAL;
	return add_dir_rec(reg, base_uri, dir, "", 0, err, errsz);
}
