/*
 * sha256: the FIPS 180-2 test vectors, and a digest taken midway leaves
 * the running hash to go on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sha256.h"

static void
test_vectors(void **state)
{
	struct sha256 *h = sha256_new();
	char hex[65];

	(void)state;
	sha256_hex(h, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	sha256_add_str(h, "abc");
	sha256_hex(h, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	/* Going on after a digest: "abc" then the rest of the 448-bit
	 * message is the same as the message in one piece. */
	sha256_add(h, "dbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    53);
	sha256_hex(h, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	sha256_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
