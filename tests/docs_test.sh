#!/bin/bash
# Every tool is documented alike: a man page that mandoc lints clean, with
# the sections a reader looks for; a SYNOPSIS that is exactly --help's; every
# long option of --help in its man page and in both shell completions.
. "$(dirname "$0")/lib.sh"

# The page rendered as plain text.
render() {
	mandoc -Tutf8 "$(man_page "$1" "${2:-1}")" | col -b
}

# synopsis_of_man TOOL: one line per form, wrapped lines joined.
synopsis_of_man() {
	render "$1" | awk -v t="$1" '
		/^SYNOPSIS/ { f = 1; next }
		/^[A-Z]/ { f = 0 }
		!f || /^[ \t]*$/ { next }
		{ gsub(/[ \t]+/, " "); sub(/^ /, ""); sub(/ $/, "") }
		index($0, t " ") == 1 || $0 == t { if (line != "") print line; line = $0; next }
		{ line = line " " $0 }
		END { if (line != "") print line }'
}

# synopsis_of_help TOOL: the "Usage:" line and the forms under it.
synopsis_of_help() {
	"$1" --help | awk -v t="$1" '
		NR == 1 { if (sub(/^Usage: /, "") == 0) exit; gsub(/[ \t]+/, " "); print; next }
		{ s = $0; sub(/^ +/, "", s) }
		index(s, t " ") == 1 && /^       / { gsub(/[ \t]+/, " ", s); print s; next }
		{ exit }'
}

long_options() {
	"$1" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

test_every_tool_is_built_and_documented() {
	local t
	for t in $CONCH_TOOLS; do
		assertTrue "$t is built" "command -v $t"
		assertTrue "man page of $t" "[ -f '$(man_page "$t" 1)' ]"
		assertTrue "bash completion of $t" "[ -f '$CONCH_BASHCOMPDIR/$t' ]"
		assertTrue "zsh completion of $t" "[ -f '$CONCH_ZSHCOMPDIR/_$t' ]"
	done
	assertTrue "conch(7)" "[ -f '$(man_page conch 7)' ]"
}

test_man_pages_lint_clean() {
	need_cmd mandoc || return 0
	local t page
	for page in $(for t in $CONCH_TOOLS; do man_page "$t" 1; done) "$(man_page conch 7)"; do
		[ -f "$page" ] || continue
		run mandoc -Tlint -W warning "$page"
		assertEquals "mandoc -Tlint $page" "" "$OUT$ERR"
		run groff -man -ww -z "$page"
		assertEquals "groff -ww $page" "" "$ERR"
	done
}

test_man_pages_have_the_sections() {
	need_cmd mandoc || return 0
	local t s
	for t in $CONCH_TOOLS; do
		[ -f "$(man_page "$t" 1)" ] || continue
		for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" ENVIRONMENT EXAMPLES "SEE ALSO"; do
			render "$t" | grep -qx "$s" || fail "$t(1) has no $s section"
		done
		render "$t" | grep -q "CONCH_VERBOSE" || fail "$t(1) does not mention CONCH_VERBOSE"
	done
}

test_help_is_the_synopsis() {
	need_cmd mandoc || return 0
	local t
	for t in $CONCH_TOOLS; do
		command -v "$t" >/dev/null && [ -f "$(man_page "$t" 1)" ] || continue
		assertNotEquals "$t --help has a Usage line" "" "$(synopsis_of_help "$t")"
		assertEquals "$t: --help and SYNOPSIS" "$(synopsis_of_man "$t")" "$(synopsis_of_help "$t")"
	done
}

test_every_option_documented_and_completed() {
	need_cmd mandoc || return 0
	local t o man
	for t in $CONCH_TOOLS; do
		command -v "$t" >/dev/null && [ -f "$(man_page "$t" 1)" ] || continue
		man=$(render "$t")
		for o in $(long_options "$t"); do
			grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" <<<"$man" || fail "$t(1) lacks $o"
			grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" "$CONCH_BASHCOMPDIR/$t" || fail "bash completion of $t lacks $o"
			grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" "$CONCH_ZSHCOMPDIR/_$t" || fail "zsh completion of $t lacks $o"
		done
	done
}

test_help_and_version_everywhere() {
	local t
	for t in $CONCH_TOOLS; do
		command -v "$t" >/dev/null || continue
		run "$t" --help
		assert_rc 0
		assert_contains "$OUT" "Usage: $t "
		run "$t" -h
		assert_rc 0
		run "$t" --version
		assert_rc 0
		assert_out "$t (conch) $(sed -n 's/^VERSION = //p' "$TOP/Makefile")"
		assert_fails 125 "$t: unknown option '--no-such-option' (see $t --help)" "$t" --no-such-option
	done
}

test_conch7_points_everywhere() {
	need_cmd mandoc || return 0
	[ -f "$(man_page conch 7)" ] || { fail "no conch(7)"; return; }
	local see p
	see=$(render conch 7 | sed -n '/^SEE ALSO/,$p')
	for p in $CONCH_TOOLS; do
		assert_contains "$see" "$p(1)" "conch(7) SEE ALSO"
	done
	for p in "namespaces(7)" "user_namespaces(7)" "capabilities(7)" "cgroups(7)" "seccomp(2)" "pivot_root(2)"; do
		assert_contains "$see" "$p" "conch(7) SEE ALSO"
	done
}

. shunit2
