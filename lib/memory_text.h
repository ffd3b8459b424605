/* memory_text.h — text handling for art-memory: token estimates, de-duplication keys,
 * safe FTS5 queries from user text, paragraph chunking with overlap.
 *
 * Token estimate (used for --budget and chunk sizes): ceil(w / 4) where w counts 1 per
 * ASCII byte and 4 per non-ASCII code point.  English text averages about 4 characters
 * per BPE token, and scripts outside ASCII (CJK, Cyrillic, accented Latin) mostly take
 * about one token per code point, so the estimate errs on the high side there.  The
 * weight is additive over byte ranges, which chunking relies on.
 *
 * Ownership: art_memory_fts_query / art_memory_fts_join return a malloc'd string the
 * caller frees; art_memory_terms a list freed with art_memory_terms_free.  Chunk
 * callbacks get pointers into the caller's text, valid for the call only.
 */
#ifndef ART_MEMORY_TEXT_H
#define ART_MEMORY_TEXT_H
#include <stddef.h>
#include <stdint.h>

/* Estimated tokens of s[0..n) (UTF-8). */
size_t art_memory_tokens(const char *s, size_t n);

/* De-duplication key: 64 hex of sha256(tenant NUL ns NUL kind NUL extra NUL norm(text)),
 * where norm lowercases ASCII, turns every run of whitespace into one space and trims.
 * extra is "" for facts and documents; turns pass session and envelope id so a replayed
 * envelope is a duplicate but the same words in a later turn are not. */
void art_memory_dedupe_key(const char *tenant, const char *ns, const char *kind,
			   const char *extra, const char *text, char hex[65]);

/* Splits arbitrary user text into search words: runs of ASCII letters/digits or of
 * non-ASCII characters other than punctuation, ASCII-lowercased; English stop words,
 * single ASCII letters, words over 64 bytes and duplicates are dropped; at most
 * max_terms words are kept, in order.  Operators, column filters, NEAR, *, ^, quotes,
 * parentheses and colons are separators, so none survives into a word; so is any byte
 * that is not valid UTF-8.
 * *terms is a malloc'd array of malloc'd strings (art_memory_terms_free), NULL when *n
 * is 0.  ART_OK or ART_ENOMEM. */
int art_memory_terms(const char *text, size_t max_terms, char ***terms, size_t *n);
void art_memory_terms_free(char **terms, size_t n);

/* Joins words as FTS5 string literals: "w1" OP "w2" ..., each '"' inside doubled, so
 * the result is a valid FTS5 expression whatever the words hold.  op is "OR" or "AND".
 * *out is malloc'd ("" for n == 0).  ART_OK or ART_ENOMEM. */
int art_memory_fts_join(const char *const *terms, size_t n, const char *op, char **out);

/* art_memory_terms then art_memory_fts_join with OR: the safe MATCH expression for
 * arbitrary text.  *nterms (may be NULL) gets the number of literals. */
int art_memory_fts_query(const char *text, size_t max_terms, char **out, size_t *nterms);

/* Chunking of documents: paragraphs (separated by blank lines, or starting a markdown
 * "#" heading line) are packed into chunks of at most max_tokens; a paragraph longer
 * than that is cut at a sentence end, else at whitespace, else (one giant word) at a
 * UTF-8 character boundary.  Each chunk after the first starts with up to
 * overlap_tokens of the end of the previous one (whole paragraphs if they fit, else
 * whole sentences, else whole words).  Chunks are trimmed of surrounding whitespace and
 * are byte ranges of the input, so they are valid UTF-8 when the input is.
 * Requires max_tokens >= 8 and overlap_tokens <= max_tokens / 2.
 * fn gets (ctx, chunk, length, 0-based index); a nonzero return stops chunking and is
 * returned.  Returns ART_OK, ART_EINVAL (bad sizes), or fn's value. */
typedef int (*art_memory_chunk_fn)(void *ctx, const char *chunk, size_t len, size_t index);
int art_memory_chunk(const char *text, size_t len, size_t max_tokens, size_t overlap_tokens,
		     art_memory_chunk_fn fn, void *ctx);
#endif
