/* test-server-address.c — unit test of the key under which the server
 * counts a client address (tg_server_address_key, docs/server.md,
 * "Connections"): an IPv6 client is one address per /64.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "tg-server-decode.h"

static void
check (const char *address,
       const char *expected)
{
  g_autofree char *key = tg_server_address_key (address);

  g_assert_cmpstr (key, ==, expected);
}

static void
test_ipv4 (void)
{
  check ("127.0.0.1", "127.0.0.1");
  check ("192.0.2.17", "192.0.2.17");
  /* two IPv4 addresses stay two */
  check ("192.0.2.18", "192.0.2.18");
  /* an IPv4 client on a dual-stack socket is that IPv4 address */
  check ("::ffff:192.0.2.17", "192.0.2.17");
  check ("::ffff:127.0.0.3", "127.0.0.3");
}

static void
test_ipv6_prefix (void)
{
  /* every address of one /64 is one key */
  check ("2001:db8:1:2::1", "2001:db8:1:2::/64");
  check ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64");
  check ("2001:db8:1:2:a1b2:c3d4:e5f6:789", "2001:db8:1:2::/64");
  check ("2001:0DB8:0001:0002:0000:0000:0000:0009", "2001:db8:1:2::/64");
  /* the next /64 is another */
  check ("2001:db8:1:3::1", "2001:db8:1:3::/64");
  check ("fe80::1234:5678", "fe80::/64");
  check ("::1", "::/64");
}

static void
test_not_an_address (void)
{
  g_assert_null (tg_server_address_key (NULL));
  g_assert_null (tg_server_address_key (""));
  g_assert_null (tg_server_address_key ("localhost"));
  g_assert_null (tg_server_address_key ("2001:db8::1/64"));
  g_assert_null (tg_server_address_key ("300.1.1.1"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/address-key/ipv4", test_ipv4);
  g_test_add_func ("/server/address-key/ipv6-per-64", test_ipv6_prefix);
  g_test_add_func ("/server/address-key/not-an-address", test_not_an_address);
  return g_test_run ();
}
