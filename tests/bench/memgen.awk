# memgen.awk — synthetic corpus for art-memory tests and benchmarks (deterministic).
#   awk -v paras=N [-v seed=S] [-v qevery=K -v qfile=FILE] -f memgen.awk > corpus.txt
# Writes N paragraphs of 60-140 words separated by blank lines.  Words come from a
# 20000-word synthetic vocabulary with Zipf (s=1) frequencies, like natural text; with
# qfile, every K-th paragraph also yields a question of 6 of its words (one per line).
BEGIN {
	if (seed == "") seed = 1
	srand(seed)
	ns = split("ka lo mi ne ru ta shi po ve da gu re zo fi bal tor wen qua ix om", syl, " ")
	V = 20000
	for (i = 0; i < V; i++) {
		# word i: syllables from the digits of i in base ns, at least two
		w = ""; k = i
		do { w = w syl[(k % ns) + 1]; k = int(k / ns) } while (k > 0)
		if (length(w) < 4) w = w syl[(i * 7 % ns) + 1]
		vocab[i] = w
	}
	lv = log(V + 1)
	for (p = 1; p <= paras; p++) {
		n = 60 + int(rand() * 81)
		line = ""
		for (j = 0; j < n; j++) {
			r = int(exp(rand() * lv)) - 1   # Zipf rank, inverse CDF of ln(k+1)/ln(V+1)
			if (r >= V) r = V - 1
			words[j] = vocab[r]
			line = line (j ? " " : "") words[j]
		}
		print line ".\n"
		if (qfile != "" && p % qevery == 0) {
			q = "how do I"
			for (j = 0; j < 6; j++) q = q " " words[int(rand() * n)]
			print q "?" > qfile
		}
	}
}
