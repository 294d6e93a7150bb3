# lib.sh - TAP helpers for the CLI tests (sourced by tests/cli/*.t).
#
#   t_ok DESC CMD...          CMD exits 0
#   t_is DESC WANT GOT        strings equal
#   t_like DESC REGEX GOT     GOT matches the extended REGEX
#   t_fails DESC STATUS REGEX CMD...
#                             CMD exits STATUS, writes nothing to stdout,
#                             and its stderr matches REGEX
#   t_fails_clean DESC STATUS REGEX FILE CMD...
#                             t_fails, then "... no output left behind":
#                             FILE (CMD's -o output) does not exist
#   t_skip_all REASON         skip the whole file
#   t_done                    print the plan and exit: 1 if anything failed
#
# $T is a fresh scratch directory (removed at exit) and the current one;
# $MZ_BUILD/bin (default build/bin) and the test tools are on PATH;
# $DATA is ../shared/data when present; $PY is a python3 with numpy, or "".
set -u
LC_ALL=C
export LC_ALL
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${MZ_BUILD:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
PATH=$B/bin:$B/tests/tools:$PATH
export PATH
DATA=$TOP/../shared/data
[ -d "$DATA" ] || DATA=
PY=$("$TOP/scripts/find-python")
T=$(mktemp -d "${TMPDIR:-/tmp}/mz-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
_n=0
_failed=0

_result() {
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		_failed=$((_failed + 1))
	fi
}

t_ok() {
	_d=$1
	shift
	"$@" >"$T/.out" 2>"$T/.err"
	_s=$?
	_result $_s "$_d"
	if [ $_s -ne 0 ]; then
		echo "# exit $_s: $*"
		sed 's/^/# stderr: /' "$T/.err" | head -20
	fi
	return $_s
}

t_is() {
	if [ "$2" = "$3" ]; then
		_result 0 "$1"
	else
		_result 1 "$1"
		printf '%s\n' "$2" | head -20 | sed 's/^/# want: /'
		printf '%s\n' "$3" | head -20 | sed 's/^/# got:  /'
	fi
}

t_like() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		_result 0 "$1"
	else
		_result 1 "$1"
		echo "# want match: $2"
		printf '%s\n' "$3" | head -20 | sed 's/^/# got: /'
	fi
}

t_fails() {
	_d=$1 _want=$2 _re=$3
	shift 3
	"$@" >"$T/.out" 2>"$T/.err"
	_s=$?
	if [ $_s -eq "$_want" ] && [ ! -s "$T/.out" ] &&
	    grep -Eq -- "$_re" "$T/.err"; then
		_result 0 "$_d"
	else
		_result 1 "$_d"
		echo "# want exit $_want, stderr =~ $_re, empty stdout"
		echo "# got exit $_s: $*"
		sed 's/^/# stderr: /' "$T/.err" | head -10
		head -c 300 "$T/.out" | sed 's/^/# stdout: /'
	fi
}

t_fails_clean() {
	_fc=$4
	_fd=$1 _fw=$2 _fr=$3
	shift 4
	t_fails "$_fd" "$_fw" "$_fr" "$@"
	t_ok "... no output left behind" test ! -e "$_fc"
}

t_skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

t_done() {
	echo "1..$_n"
	[ $_failed -eq 0 ] && exit 0
	exit 1
}
