#include "flagmeter/tenants/api_keys.hpp"

#include <gtest/gtest.h>

#include <set>

#include "flagmeter/tenants/crypto.hpp"

namespace flagmeter {
namespace {

TEST(Crypto, Sha256AndHmacMatchPublishedVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231, test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, Base64UrlAndHex) {
  EXPECT_EQ(Base64Url(""), "");
  EXPECT_EQ(Base64Url("f"), "Zg");
  EXPECT_EQ(Base64Url("fo"), "Zm8");
  EXPECT_EQ(Base64Url("foo"), "Zm9v");
  EXPECT_EQ(Base64Url("\xfb\xff"), "-_8");
  EXPECT_EQ(HexEncode("\x01\xab"), "01ab");
}

TEST(Crypto, SecretsEqualComparesWholeValues) {
  EXPECT_TRUE(SecretsEqual("admin-token", "admin-token"));
  EXPECT_FALSE(SecretsEqual("admin-token", "admin-tokem"));
  EXPECT_FALSE(SecretsEqual("admin-token", "admin-token2"));
  EXPECT_FALSE(SecretsEqual("", "x"));
}

TEST(ApiKeys, GeneratedKeysHaveTheirShapeAndDiffer) {
  std::set<std::string> keys;
  for (int i = 0; i < 50; ++i) {
    Result<NewApiKey> key = GenerateApiKey();
    ASSERT_TRUE(key.ok());
    EXPECT_TRUE(LooksLikeApiKey(key->key)) << key->key;
    EXPECT_TRUE(LooksLikeKeyId(key->key_id)) << key->key_id;
    EXPECT_EQ(key->key_hash, Sha256Hex(key->key));
    EXPECT_EQ(key->hint, key->key.substr(key->key.size() - 4));
    keys.insert(key->key);
  }
  EXPECT_EQ(keys.size(), 50u);
  EXPECT_FALSE(LooksLikeApiKey("fm_short"));
  EXPECT_FALSE(LooksLikeApiKey("xx_" + std::string(43, 'a')));
  EXPECT_FALSE(LooksLikeApiKey("fm_" + std::string(42, 'a') + "!"));
  EXPECT_FALSE(LooksLikeKeyId("key_0123"));
  EXPECT_FALSE(LooksLikeKeyId("key_0123456789ABCDEF"));
}

TEST(ApiKeys, BearerTokenReadsOnlyTheBearerScheme) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer   abc  "), "abc");
  EXPECT_EQ(BearerToken("Basic abc"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer "), std::nullopt);
  EXPECT_EQ(BearerToken("Bearerabc"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer a b"), std::nullopt);
  EXPECT_EQ(BearerToken(""), std::nullopt);
}

}  // namespace
}  // namespace flagmeter
