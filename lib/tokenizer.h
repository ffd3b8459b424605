/* tokenizer.h — text <-> token ids from GGUF tokenizer metadata.
 *
 * Ownership: art_tokenizer_load copies everything it needs (token texts, scores, types,
 * merges) out of the GGUF, so the art_gguf may be closed right after loading.  The
 * tokenizer is immutable after load: encode, decode, piece and every accessor may be
 * called from any number of threads at once on one tokenizer.  Strings returned by
 * accessors live until art_tokenizer_free.
 *
 * Models (`tokenizer.ggml.model`):
 *   "llama"  SentencePiece-style: score-driven bigram merges over UTF-8 characters, ' '
 *            written as U+2581, bytes without a token fall back to <0xXX> tokens; a space
 *            is put in front of each text run that starts the input or follows a special
 *            token when `tokenizer.ggml.add_space_prefix` (default true) says so.
 *   "gpt2"   byte-level BPE: the text is split by the pre-tokenizer regexes named by
 *            `tokenizer.ggml.pre`, bytes are mapped to GPT-2's printable code points and
 *            merged by `tokenizer.ggml.merges` rank (lowest first).
 *   "bert"   WordPiece (greedy longest-match-first, "##" continuation, lowercased).
 * Special tokens: user-defined tokens are always matched in the text as whole tokens;
 * control and unknown-typed tokens only when encode's parse_special is set.
 */
#ifndef ART_TOKENIZER_H
#define ART_TOKENIZER_H
#include <stddef.h>
#include <stdint.h>

typedef struct art_gguf art_gguf; /* gguf.h */
typedef struct art_tokenizer art_tokenizer;

enum art_tok_model {
	ART_TOK_MODEL_SPM = 1, /* "llama" */
	ART_TOK_MODEL_BPE,     /* "gpt2" */
	ART_TOK_MODEL_WPM,     /* "bert" */
};

/* Values of `tokenizer.ggml.token_type`. */
enum art_tok_type {
	ART_TOK_TYPE_UNDEFINED = 0,
	ART_TOK_TYPE_NORMAL = 1,
	ART_TOK_TYPE_UNKNOWN = 2,
	ART_TOK_TYPE_CONTROL = 3,
	ART_TOK_TYPE_USER_DEFINED = 4,
	ART_TOK_TYPE_UNUSED = 5,
	ART_TOK_TYPE_BYTE = 6,
};

/* Flags for art_tokenizer_decode / art_tokenizer_piece. */
enum art_tok_decode_flag {
	ART_TOK_DECODE_SPECIAL = 1,     /* render control tokens as their text (default: omit) */
	ART_TOK_DECODE_STRIP_SPACE = 2, /* drop the one leading space that add_space_prefix put
					 * before the first text (decode of a whole encode) */
};

/* Builds a tokenizer from G's tokenizer.* metadata.  ART_EUNSUPP for an unknown model or
 * pre-tokenizer, ART_EFORMAT for inconsistent metadata; err says which key. */
int art_tokenizer_load(art_tokenizer **out, const art_gguf *g, char *err, size_t errsz);
void art_tokenizer_free(art_tokenizer *t); /* NULL is fine */

/* Encodes LEN bytes of TEXT (any bytes; invalid UTF-8 is kept via byte tokens).
 * add_bos: put the BOS id first (if the model has one); see art_tokenizer_add_bos for what
 * the model asks for.  parse_special: match control tokens written in the text.
 * Writes up to CAP ids; *n_out is the full count.  ART_ERANGE when CAP < *n_out (IDS then
 * holds the first CAP ids), ART_ENOMEM on allocation failure. */
int art_tokenizer_encode(const art_tokenizer *t, const char *text, size_t len, int add_bos,
			 int parse_special, int32_t *ids, size_t cap, size_t *n_out);

/* Bytes of one token (flags: enum art_tok_decode_flag; STRIP_SPACE ignored).  Writes up to
 * CAP bytes, no NUL; *len_out is the full length; ART_ERANGE when CAP is too small,
 * ART_EINVAL for an id outside [0, n_vocab). */
int art_tokenizer_piece(const art_tokenizer *t, int32_t id, int flags, char *buf, size_t cap,
			size_t *len_out);

/* Concatenated pieces of IDS.  Writes up to CAP bytes and a NUL when room is left;
 * *len_out is the full length without NUL; ART_ERANGE when CAP <= *len_out.  Unknown ids
 * give ART_EINVAL. */
int art_tokenizer_decode(const art_tokenizer *t, const int32_t *ids, size_t n, int flags,
			 char *buf, size_t cap, size_t *len_out);

/* Accessors.  Ids are -1 when the model has no such token. */
enum art_tok_model art_tokenizer_model(const art_tokenizer *t);
const char *art_tokenizer_pre(const art_tokenizer *t); /* pre-tokenizer name, "" for SPM */
int32_t art_tokenizer_n_vocab(const art_tokenizer *t);
int32_t art_tokenizer_bos(const art_tokenizer *t);
int32_t art_tokenizer_eos(const art_tokenizer *t);
int32_t art_tokenizer_eot(const art_tokenizer *t);
int32_t art_tokenizer_unk(const art_tokenizer *t);
int32_t art_tokenizer_pad(const art_tokenizer *t);
int art_tokenizer_add_bos(const art_tokenizer *t); /* metadata's add_bos_token */
int art_tokenizer_add_eos(const art_tokenizer *t); /* metadata's add_eos_token */
/* 1 if ID ends a generation (EOS, EOT, EOM or a known end-of-turn control token). */
int art_tokenizer_is_eog(const art_tokenizer *t, int32_t id);
/* Raw vocabulary text of ID (NUL-terminated, as stored in the GGUF), NULL if out of range. */
const char *art_tokenizer_text(const art_tokenizer *t, int32_t id);
enum art_tok_type art_tokenizer_type(const art_tokenizer *t, int32_t id);
/* Id of a token whose vocabulary text is exactly S (LEN bytes), or -1. */
int32_t art_tokenizer_find(const art_tokenizer *t, const char *s, size_t len);
#endif
