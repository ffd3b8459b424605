/* schema_regex.c — ECMA-262 regex syntax (what JSON Schema patterns use) to PCRE2.
 *
 * PCRE2 runs with UTF and UCP; this rewrite keeps ECMA meanings where they differ:
 * \d \w (and \D \W outside classes) are ASCII-only in ECMA, \s includes U+FEFF, and
 * \p{...} accepts long property names ("Letter", "Script=Greek") that PCRE2 10.42
 * does not.
 */
#include <string.h>
#include "schema_int.h"

static const struct {
	const char *ecma, *pcre;
} gc_names[] = {
	{"Letter", "L"}, {"Cased_Letter", "L&"}, {"Uppercase_Letter", "Lu"},
	{"Lowercase_Letter", "Ll"}, {"Titlecase_Letter", "Lt"}, {"Modifier_Letter", "Lm"},
	{"Other_Letter", "Lo"}, {"Mark", "M"}, {"Combining_Mark", "M"},
	{"Nonspacing_Mark", "Mn"}, {"Spacing_Mark", "Mc"}, {"Enclosing_Mark", "Me"},
	{"Number", "N"}, {"Decimal_Number", "Nd"}, {"digit", "Nd"}, {"Letter_Number", "Nl"},
	{"Other_Number", "No"}, {"Punctuation", "P"}, {"punct", "P"},
	{"Connector_Punctuation", "Pc"}, {"Dash_Punctuation", "Pd"},
	{"Open_Punctuation", "Ps"}, {"Close_Punctuation", "Pe"},
	{"Initial_Punctuation", "Pi"}, {"Final_Punctuation", "Pf"},
	{"Other_Punctuation", "Po"}, {"Symbol", "S"}, {"Math_Symbol", "Sm"},
	{"Currency_Symbol", "Sc"}, {"Modifier_Symbol", "Sk"}, {"Other_Symbol", "So"},
	{"Separator", "Z"}, {"Space_Separator", "Zs"}, {"Line_Separator", "Zl"},
	{"Paragraph_Separator", "Zp"}, {"Other", "C"}, {"Control", "Cc"}, {"cntrl", "Cc"},
	{"Format", "Cf"}, {"Surrogate", "Cs"}, {"Private_Use", "Co"}, {"Unassigned", "Cn"},
};

static void add_prop(sch_buf *b, const char *name, size_t n)
{
	const char *eq = memchr(name, '=', n);
	if (eq) {
		size_t kl = (size_t)(eq - name);
		const char *v = eq + 1;
		size_t vl = n - kl - 1;
		if ((kl == 2 && !strncmp(name, "gc", 2)) ||
		    (kl == 16 && !strncmp(name, "General_Category", 16))) {
			name = v;
			n = vl;
		} else {
			/* Script= / sc= / Script_Extensions= / scx=: PCRE2 takes the script name */
			sch_buf_addn(b, v, vl);
			return;
		}
	}
	for (size_t i = 0; i < sizeof gc_names / sizeof gc_names[0]; i++) {
		if (strlen(gc_names[i].ecma) == n && !strncmp(gc_names[i].ecma, name, n)) {
			sch_buf_adds(b, gc_names[i].pcre);
			return;
		}
	}
	sch_buf_addn(b, name, n);
}

char *sch_regex_translate(const char *src)
{
	sch_buf b = {0};
	sch_buf_adds(&b, "");
	int in_class = 0;
	for (const char *p = src; *p; p++) {
		if (*p == '\\' && p[1]) {
			char e = p[1];
			if ((e == 'p' || e == 'P') && p[2] == '{') {
				const char *close = strchr(p + 3, '}');
				if (close) {
					sch_buf_addn(&b, p, 3);
					add_prop(&b, p + 3, (size_t)(close - p - 3));
					sch_buf_addc(&b, '}');
					p = close;
					continue;
				}
			}
			const char *rep = NULL;
			if (e == 'd')
				rep = in_class ? "0-9" : "[0-9]";
			else if (e == 'w')
				rep = in_class ? "A-Za-z0-9_" : "[A-Za-z0-9_]";
			else if (e == 'D' && !in_class)
				rep = "[^0-9]";
			else if (e == 'W' && !in_class)
				rep = "[^A-Za-z0-9_]";
			else if (e == 's') /* ECMA white space includes U+FEFF */
				rep = in_class ? "\\s\\x{feff}" : "[\\s\\x{feff}]";
			else if (e == 'S' && !in_class)
				rep = "[^\\s\\x{feff}]";
			if (rep)
				sch_buf_adds(&b, rep);
			else
				sch_buf_addn(&b, p, 2);
			p++;
			continue;
		}
		if (!in_class && *p == '[') {
			in_class = 1;
			sch_buf_addc(&b, '[');
			if (p[1] == '^') {
				sch_buf_addc(&b, '^');
				p++;
			}
			if (p[1] == ']') {
				/* ECMA "[]" matches nothing, "[^]" anything */
				sch_buf_adds(&b, b.s[b.len - 1] == '^' ? "\\s\\S]" : "^\\s\\S]");
				p++;
				in_class = 0;
			}
			continue;
		}
		if (in_class && *p == ']')
			in_class = 0;
		sch_buf_addc(&b, *p);
	}
	if (b.oom) {
		sch_buf_free(&b);
		return NULL;
	}
	return b.s;
}

pcre2_code *sch_regex_compile(const char *src, int *ec, size_t *eo)
{
	char *tr = sch_regex_translate(src);
	if (!tr) {
		*ec = PCRE2_ERROR_NOMEMORY;
		*eo = 0;
		return NULL;
	}
	PCRE2_SIZE off = 0;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)tr, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, ec, &off, NULL);
	free(tr);
	*eo = off;
	return re;
}
