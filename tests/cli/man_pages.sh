# Every tool has a man page whose SYNOPSIS is the tool's own usage text,
# with the sections a user looks for.
command -v mandoc > /dev/null || skip "mandoc is not installed"
for tool in "$BIN"/*; do
	name=$(basename "$tool")
	page="$TOP/man/man1/$name.1"
	[ -f "$page" ] || fail "$name has no man page"
	mandoc -Tlint -W warning "$page" || fail "$name.1 has lint warnings"
	mandoc -Tascii "$page" | col -bx > rendered
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -q "^$section" rendered || fail "$name.1 has no $section"
	done
	# The SYNOPSIS block, as words, equals --help's usage lines.
	sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' rendered | sed '1d;$d' | tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//' > synopsis
	"$tool" --help | sed -n '/^usage:/,/^[^ u]/p' | grep -v '^[^ u]' | sed 's/^usage: //' | tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//' > usage
	expect_eq "$name synopsis vs --help" "$(cat synopsis)" "$(cat usage)"
done
