/* art-gguf — inspect GGUF files and make random-weight models of named shapes. */
#include "cli.h"
#include "err.h"
#include "gguf.h"
#include "mkmodel.h"
#include "quant.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
	"Usage: art-gguf info FILE\n"
		   "       art-gguf make --shape NAME --type TYPE [--tokenizer GGUF] [--seed N] -o OUT\n"
		   "       art-gguf shapes\n"
		   "Inspect GGUF model files; write random-weight models of named shapes.\n"
		   "'art-gguf COMMAND --help' for a command's options; see man art-gguf.\n";

/* ---- info ---- */
static const art_opt info_opts[] = {{0}};
static const art_cmd info_cmd = {"art-gguf info", "FILE",
				 "Print a GGUF file's version, key/values and tensors.", info_opts, NULL};

static void print_value(const art_gguf *g, int64_t i, const char *key)
{
	enum art_gguf_vtype t = art_gguf_kv_type(g, i);
	art_gguf_str s;
	int64_t iv;
	float fv;
	int bv;
	uint64_t n;
	enum art_gguf_vtype e;
	switch (t) {
	case ART_GGUF_VTYPE_STRING:
		art_gguf_get_str(g, key, &s);
		printf("%.*s%s", (int)(s.n > 120 ? 120 : s.n), s.s, s.n > 120 ? "..." : "");
		break;
	case ART_GGUF_VTYPE_FLOAT32:
	case ART_GGUF_VTYPE_FLOAT64:
		art_gguf_get_f32(g, key, &fv);
		printf("%g", fv);
		break;
	case ART_GGUF_VTYPE_BOOL:
		art_gguf_get_bool(g, key, &bv);
		printf("%s", bv ? "true" : "false");
		break;
	case ART_GGUF_VTYPE_ARRAY:
		art_gguf_get_arr(g, key, &e, &n);
		printf("[%s x %" PRIu64 "]", art_gguf_vtype_name(e), n);
		break;
	default:
		if (art_gguf_get_i64(g, key, &iv) == ART_OK)
			printf("%" PRId64, iv);
		else
			printf("(out of range)");
	}
}

static int cmd_info(int argc, char **argv)
{
	int n = art_cli_parse(&info_cmd, argc, argv);
	if (n != 1)
		art_die(ART_EXIT_USAGE, "info takes one FILE\nTry 'art-gguf info --help' for more information.");
	art_gguf *g;
	char err[512];
	if (art_gguf_open(&g, argv[0], err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	printf("version %d, alignment %" PRIu64 ", %" PRId64 " key/values, %" PRId64 " tensors\n",
	       art_gguf_version(g), art_gguf_alignment(g), art_gguf_n_kv(g), art_gguf_n_tensors(g));
	for (int64_t i = 0; i < art_gguf_n_kv(g); i++) {
		char key[256];
		art_gguf_str_copy(art_gguf_key_name(g, i), key, sizeof key);
		printf("  %-44s %-8s ", key, art_gguf_vtype_name(art_gguf_kv_type(g, i)));
		print_value(g, i, key);
		printf("\n");
	}
	uint64_t total = 0;
	for (int64_t i = 0; i < art_gguf_n_tensors(g); i++) {
		const art_gguf_tensor *t = art_gguf_tensor_at(g, i);
		const art_qtraits *tr = art_quant_traits(t->type);
		char name[256];
		art_gguf_str_copy(t->name, name, sizeof name);
		printf("  %-32s %-5s [%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 "] %" PRIu64 " bytes\n",
		       name, tr ? tr->name : "?", t->ne[0], t->ne[1], t->ne[2], t->ne[3], t->nbytes);
		total += t->nbytes;
	}
	printf("tensor data: %" PRIu64 " bytes\n", total);
	art_gguf_close(g);
	art_exit(ART_EXIT_OK);
}

/* ---- make ---- */
static struct {
	const char *shape, *type, *tokenizer, *out;
	long long seed;
	int quiet;
} mk = {.type = "f32", .seed = 1};
static const art_opt make_opts[] = {
	{"shape", 's', ART_OPT_STR, &mk.shape, 0, 0, "NAME", "model shape (see art-gguf shapes)"},
	{"type", 't', ART_OPT_STR, &mk.type, 0, 0, "TYPE", "f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k q3_k_m q4_k_m q5_k_m (default f32)"},
	{"tokenizer", 0, ART_OPT_STR, &mk.tokenizer, 0, 0, "GGUF", "copy the tokenizer from this GGUF (vocab size follows it)"},
	{"seed", 0, ART_OPT_INT, &mk.seed, 0, 9007199254740991.0, "N", "random seed (default 1)"},
	{"output", 'o', ART_OPT_STR, &mk.out, 0, 0, "FILE", "file to write"},
	{"quiet", 'q', ART_OPT_FLAG, &mk.quiet, 0, 0, NULL, "no progress on stderr"},
	{0},
};
static const art_cmd make_cmd = {"art-gguf make", "--shape NAME --type TYPE [OPTION]... -o FILE",
				 "Write a GGUF model with random weights of a named shape.", make_opts, NULL};

static void progress(void *ctx, int done, int total, uint64_t bytes)
{
	(void)ctx;
	fprintf(stderr, "\r%s: %d/%d tensors, %.1f MB", art_prog(), done, total, (double)bytes / 1e6);
	if (done == total)
		fputc('\n', stderr);
}

static int cmd_make(int argc, char **argv)
{
	int n = art_cli_parse(&make_cmd, argc, argv);
	if (n)
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	if (!mk.shape || !mk.out)
		art_die(ART_EXIT_USAGE, "make needs --shape and -o\nTry 'art-gguf make --help' for more information.");
	const art_mkmodel_shape *s = art_mkmodel_shape_find(mk.shape);
	if (!s)
		art_die(ART_EXIT_USAGE, "unknown shape '%s' (see art-gguf shapes)", mk.shape);
	char err[512];
	int rc = art_mkmodel_write(mk.out, s, mk.type, mk.tokenizer, (uint64_t)mk.seed,
				   mk.quiet ? NULL : progress, NULL, err, sizeof err);
	if (rc == ART_EINVAL && strstr(err, "type"))
		art_die(ART_EXIT_USAGE, "%s", err);
	if (rc)
		art_die(rc == ART_EIO ? ART_EXIT_IO : ART_EXIT_CONFIG, "%s", err);
	art_exit(ART_EXIT_OK);
}

static int cmd_shapes(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("%-16s %-6s %6s %6s %6s %5s %5s %7s %5s\n", "name", "arch", "dim", "ffn", "layers", "heads",
	       "kv", "vocab", "tied");
	for (const art_mkmodel_shape *s = art_mkmodel_shapes; s->name; s++)
		printf("%-16s %-6s %6d %6d %6d %5d %5d %7d %5s\n", s->name, s->arch, s->dim, s->ffn,
		       s->n_layer, s->n_head, s->n_head_kv, s->n_vocab, s->tied ? "yes" : "no");
	art_exit(ART_EXIT_OK);
}

static const art_subcmd cmds[] = {
	{"info", cmd_info},
	{"make", cmd_make},
	{"shapes", cmd_shapes},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	art_cli_init(argv[0]);
	art_cli_dispatch(usage, cmds, argc, argv);
}
