// Known-answer and behaviour tests for the SGP.22 session key derivation and BPP protection
// (SGP.22 §2.6.4; digest §6.4-6.6). The vectors come from osmocom/pysim
// tests/unittests/test_esim_bsp.py, recorded from a third-party SM-DP+ trace, so our virtual
// eUICC and test SM-DP+ cannot agree on a wrong answer.
#include <gtest/gtest.h>

#include "base/bytes.h"
#include "base/error.h"
#include "lpa/crypto/aes.h"
#include "lpa/crypto/bsp.h"

namespace euiccd::crypto {
namespace {

// Generated from osmocom/pysim tests/unittests/test_esim_bsp.py (BSP_Test_mode51.test_ciphering):
// two 1007-byte UPP chunks protected as 86 TLVs under the PPK keys 01../02../00.. after
// ReplaceSessionKeys.
constexpr const char* kUppSegment0 =
    "a048800102810101821a53494d616c6c69616e63652053616d706c652050726f66696c65830a890001234567"
    "89012341a506810084008b00a610060667810f010201060667810f010204b08201f8a0058000810101810667"
    "810f010201a207a105c60301020aa305a1038b010fa40c830a98001032547698103214a527a1098204422100"
    "26800198831a61184f10a0000000871002ff33ff01890000010050045553494da682019ea10a820442210025"
    "8002022b831b8001019000800102a406830101950108800158a40683010a95010882010a8316800101a40683"
    "010195010880015aa40683010a95010882010f830b80015ba40683010a95010882011a830a80010190008001"
    "5a970082011b8316800103a406830101950108800158a40683010a95010882010f8316800111a40683010195"
    "010880014aa40683010a95010882010f8321800103a406830101950108800158a40683010a950108840132a4"
    "068301019501088201048321800101a406830101950108800102a406830181950108800158a40683010a9501"
    "08820104831b800101900080011aa406830101950108800140a40683010a95010882010a8310800101900080"
    "015aa40683010a95010882011583158001019000800118a40683010a95010880014297008201108310800101"
    "a40683010195010880015a97008201158316800113a406830101950108800148a40683010a95010882010f83"
    "0b80015ea40683010a95010882011a83258001019000800102a010a406830101950108a40683010295010880"
    "0158a40683010a950108a33fa0058000810102a13630118001018108303030303030303082020099300d8001"
    "02810831323334353637383012800200818108313233343536373882020088a241a0058000810103a138a036"
    "3010800101810831323334ffffffff8201013010800102810830303030ffffffff820102301080010a810835"
    "363738ffffffff830101a182029ea0058000810104a18202933082028f62228202782183027ff18410a00000"
    "00871002ff33ff0189000001008b010ac60301810a62118202412183026f078b010280010988013881090829"
    "43019134876765621482044221002583026f068b010a8801b8c7022f06621a8202412183026f088b01058001"
    "21880140a507c00180c10207ff621a8202412183026f098b0105800121880148a507c00180c10207ff621682"
    "02412183026f318b0102800101880190a503c1010a62118202412183026f388b010280010e880120810d0a2e"
    "178ce73204000000000000621982044221001a83026f3b8b0108800202088800a504c10200ff621982044221"
    "00b083026f3c8b0105800206e08800a504c10200ff621282044221002683026f428b0105800126";
constexpr const char* kUppSegment0Protected =
    "868203f80fd36b066b43e53906b33263c4141d18036fcac7bde47faed79e76514d39f1f405d9785ff04badf3"
    "79a96bcf4685eb861239da34eeb213d0cd1e0d85e96e36097a52f600907e08b6f01232eb3792a00cc6b3288c"
    "c832c7f30357edfe0818d1f39ad8d55b5bd5d9c65917d0d16ee7e1421a44453714d66209bf441425bf6d153a"
    "85ba7e7406d58a4c46fb930bb14eefd6a853434619805429cbbb003bd5a56e7bceaf4666eb352ad46f47ea57"
    "2c6ad311683803db3bec4d783583858f2ecfbaec3ed780fb3e3a645b1bf5cfd1047e5862c4a8877382dabd6a"
    "ef6fa72ec6378ce7b21502d3267514b29bd589703ee7bd5b1e6d868b6b7c55006bc32406a924f44bfdb6c801"
    "d490450a54633bbd66bb0ece8b3a9be09433c537f3e3b2b8e45833365a94479b1895e9ba13387fca116565c2"
    "67b6bc1274c82510b21ac9fa77574412351468fd1eac8928c9494e5eb8a909d9372476c62e8a2b556b557a79"
    "cdb47503ba5d9fd86d1962c23b3289f37df9a05668957df34c37806359af1d8dfecedf9bbf4888be9753f2b4"
    "49ce4e5cde510572f9be4fb506f329a848c4583ac9ac710e53d512ad504f2e3769c2911c34f84ad0622c5428"
    "446d1e9c59bb6b2029f231b05ef45d3ec60fceff121ba684a023037b753f855e1067b8ad02783c04eb81ba47"
    "fcec0947bbc9661d90c6f00c0f4e6f9c22e0b25905379f8b265b436a4a74253a64c5734f956d134cf5b6c067"
    "1125b20b735f405fee1fc1941ed141734fa6856e898dc655fb91b045b3797d14b97a68ed3480ec137565d6c4"
    "d007f95ee705d452d0344ce9e9bbd0712f399ef8604f3f472b403ea64f00c969fd30a012cb8be049c5455699"
    "4117fc5f6043930107774910be5f47c780427de063a56d45400a814c86dfcc2465262baf273a6ca89e77bb8c"
    "73efe2d22d975516b80c648404b10d3f329776a21251bedf445ade24b656e8635f0d7fe39772d942d9432766"
    "efb5152c6e990123c52744f1c402962a381ff2aaddaa1bd522a9b65a229f9adcd4099475b3f9ba45161ee352"
    "06365181e1d69d263d8d27444a7c3a2d7ddbb398ac5affea28cb0373057dad7741e52adb95822fee5157ce3c"
    "0ad978c5231a219ca0726d50eeb0c69d579094a54820194aeef13a365d85c52257f51cb65c567e0cdf1ce38b"
    "80eaa4d131ab7086e303c5728cf41a25df954d60ac12400d2a2990e67dbeff866736937beb8fce526be1dd5d"
    "c5d77d00b8783b34691a3e9bda7e697eec4cfa70b25914795af23ec6d258530f71402b9230947dc99f9140b1"
    "6a54ba1291f54ef736de6711c1ae074b627dfc2fc5d5250f812b7ecd1d0f5020a3acf20ad5759cd9e761ce21"
    "882977f7db66aaba2d8f5190f6f23996af14b670ccac066c93af06a41f19d9ee712ce13fbe73b99e55401b20"
    "8b991c8ced12d34c";
constexpr const char* kUppSegment1 =
    "880062158202412183026f438b01058001028800a503c0018062128202412183026f468b036f060a80011188"
    "00810c0253494d616c6c69616e636562118202412183026f568b0108800101880128810100621b8202412183"
    "026f5b8b0105800106880178a508c00180c203f0000062168202412183026f5c8b0102800103880180a503c0"
    "018062168202412183026f738b010580010e880160a503c00180020107810700f1100000ff01621182024121"
    "83026f788b01028001028801308102004062118202412183026f7b8b010580010c8801686216820241218302"
    "6f7e8b010580010b880158a503c0018002010781040000ff0162168202412183026fad8b010a800104880118"
    "a503c10100020103810102621382044221000483026fb78b010a800104880108810419f1ff01621582024121"
    "83026fc48b01058001808800a503c0018062168202412183026fe38b01058001128801f0a503c0018002010f"
    "810300000162168202412183026fe48b01058001508801c0a503c00180a225a0058000810105a11ca01a3018"
    "80020081810831323334ffffffff82020081830101840122a43aa0058000810106a131a12f80010181010182"
    "10000102030405060708090a0b0c0d0e0f83100102030405060708090a0b0c0d0e0f008603010203a681bba0"
    "058000810107a1444f07a00000015153504f08a0000001515350414f08a000000151000000820382dc008301"
    "0fc90a810280008201f08701f0ea11800f0100000100000002011203b2010000a26c30229501388201018301"
    "01301730158001808610112233445566778899aabbccddeeff10302295013482010283010130173015800180"
    "8610112233445566778899aabbccddeeff1030229501c8820103830101301730158001808610112233445566"
    "778899aabbccddeeff10a681c0a0058000810108a1494f07a00000015153504f08a0000001515350414f10a0"
    "0000055910100102736456616c7565820380800083010fc907810280008201f0ea11800f0100000100000002"
    "0112036c756500a26c3022950138820101830101301730158001808610881122334455667788112233445566"
    "7730229501348201028301013017301580018086108811223344556677881122334455667730229501c88201"
    "0383010130173015800180861088112233445566778811223344556677a8820263a0058000810109a1820218"
    "4f08a000000559101001c482020a01002edecaffed020204000108a0000005591010011b636f6d2f67736d61"
    "2f65756963632f746573742f6170706c657431020021002e0021000f003b002a00210066000a000e0000008a"
    "040f00000000000004010004003b04030107a0000000620101000110a0000000090005ffffffff";
constexpr const char* kUppSegment1Protected =
    "868203f8648e034ae0dc4ce022ee1e60b130dda95e13b21b0da3de7677677f47900c1beb3637b8aa35f3a9e0"
    "96c0285ffe3e931983df900b36b7e6bc4b9af14b0ee3d49637eb2d4cff314b5d00789a751dfd9554651fb2b7"
    "c66ad4e22a794d5b88cb71ccf4c05d53abeba8bd3b0c8209346f014cbdee62be4878e3fea09a96007135a6c5"
    "84aa843c48972842bdbece1c439723021b3f0d535d557995beedbd2b56f416148df90cb1a4d2fa26288801d5"
    "6a2cbb0a404f2fd9a73042d7a3486bfb7256c1d274aae5b7ec24e8eba28b7dce69edc44189b24186b98397b4"
    "a74831f8ab46e8e46a2ed3077d4924f5d3f6e4c1de5ddffd194e7f0f97d94ea2801d1364835c9871bae6539e"
    "3e1355c5970711d845864f04d9c1dccac0d4068dcf4664e9976509fe43fec6beb3ddc96839aba6d89bb1593c"
    "5b6ebbc32fff39c4a5bb3e5c9df6a1abc05818dbd5149733381e69521066e1bbd648eb19b00602767e90beae"
    "b3b3b92679940a603c0500e37892d7b4fa44355c3deec8af207f89d04f83cd88603e9cb9c96f74643816e87a"
    "f85a8a9d0283cdf535d1fbaefb930fd4a0dba2ae30ee9d2d9e2a31827a012a6380af42ac87f3bfd7079ddd8f"
    "a27d2299fb4d5879e9a17a5062e13cab4f7bed22ed54932fa53d630bca8592f957a7ed148e9d4f28075c2565"
    "a550694b876091a1181ba512e70fde4f28ae6968a18d721396c0fee9cd7744dee90bf85f5adddb3417b3ede9"
    "ea3cfd5eae2d820b17600ce3b95f6df38a5bc39302c5155c3f241ddfc7cee527af7f6a67868a577c39e76e26"
    "c4ed5d6aca031a97c280da27ae8de20e57a1dbab40a31e96e054f9a6f50578fd00156e37b70eead71af32580"
    "75c1ba84282aea462553504a868443b301ed99dcd5f414b720ef67cf5c4d16f1f7b9df741c2343246dcb717f"
    "3fa62b633539bdcc0082d161499caad8d097be78133dafd19777559f77c6d7a8f61323ff660613aa47cee26a"
    "4f7515204eee3c7eaa00eb55529b0ddae3436ec679fc591fe2063de94db00b5d0f041beeb80a91f108f7cf4b"
    "3b1344b0fbb437630ee437b4c7744c54009a59a9099681f3a3fa386f294c0eb4562581202a369772833efdc6"
    "e840695352de3864671e7fb0fd081ec162a2a62ea5b8a9da837f3920b4196fbe2ec912ade440537ae4a07dfc"
    "115c9c030539f278e0801bda4f15298ba50e329b18992af8b899686ec97175509d4a217d2eba8feef5f5732f"
    "c7be86370f7723896b784bd45517af86a7521e952b6be924d91a5190e3c2c65ce8924df43ddb25c529dde324"
    "a722a156df459f4b38bb062975fad9fadd27f6425e422b1abd9a7259f0bd712a486e1aa25ca848cf65c5fb88"
    "8bf61ae136b68cf55cb643c198537cd83df0dbb842c5f4982ca3088cc2d8e867c3049a84b515ec39b0b774a8"
    "482099327006acff";

const char* kShS = "c9a993dd4879a8f7161f2085410edd4f9652f1df37be097ba96ba2ca6be528fe";
const char* kHostId = "8080808080808080";
const char* kEid = "89049032123451234512345678901235";
const char* kSEnc = "472f5bfadd97f21d34f3ce9b51b92751";
const char* kSMac = "9ec07f5b36a13e12a991d66e294e6242";
const char* kMcv = "406d507b448a699e7a36a38494debbde";

const char* kConfigureIsdp = "bf2400";
const char* kConfigureIsdpProtected = "8718f6fe031e4b9cfe87c8e1e62f3fde85c49412d7722a6a2d89";
const char* kStoreMetadata =
    "bf252d5a0a98001032547698103214910947534d415f54455354921147534d415f544553545f50524f46494c45"
    "950100";
const char* kStoreMetadataProtected =
    "8838bf252d5a0a98001032547698103214910947534d415f54455354921147534d415f544553545f50524f4649"
    "4c459501008a62cc9adbb5ccbc";
const char* kReplaceSessionKeys =
    "bf26368010000102030405060708090a0b0c0d0e0f8110010102030405060708090a0b0c0d0e0f8210020102"
    "030405060708090a0b0c0d0e0f";
const char* kReplaceSessionKeysProtected =
    "8748a14c800a001992351cd46ad2945654674369701d82b7b46567652bc8fbed234939fc57fba748015525fd6c"
    "651e9d3d1330652d42a0cfad950e912122af4ec5362d3c0bc535729c40";

Bytes h(const char* hex) {
  return from_hex(hex);
}

SessionKeys kat_keys() {
  return SessionKeys{h(kMcv), h(kSEnc), h(kSMac)};
}

// --- KDF ---

TEST(CryptoBspKdf, MatchesThirdPartySmdpTrace) {
  SessionKeys keys = derive_session_keys(h(kShS), h(kHostId), h(kEid));
  EXPECT_EQ(to_hex(keys.s_enc), to_hex(h(kSEnc)));
  EXPECT_EQ(to_hex(keys.s_mac), to_hex(h(kSMac)));
  EXPECT_EQ(to_hex(keys.initial_mcv), to_hex(h(kMcv)));
}

TEST(CryptoBspKdf, MatchesPySimSecondVector) {
  SessionKeys keys =
      derive_session_keys(h("8902dca391bbb22570fe60c176076246f568b1941265dff1d729e63039658089"),
                          h(kHostId), h("89049032123451234512345678901335"));
  EXPECT_EQ(to_hex(keys.s_enc), to_hex(h("d782d575b22a38334556a3d9a1e2ae6b")));
  EXPECT_EQ(to_hex(keys.s_mac), to_hex(h("a35addc192ae8f934e2932116c7e89e7")));
  EXPECT_EQ(to_hex(keys.initial_mcv), to_hex(h("734bc93ddb10c71c5ad13d420dc08b5b")));
}

TEST(CryptoBspKdf, EveryInputChangesTheKeys) {
  SessionKeys base = derive_session_keys(h(kShS), h(kHostId), h(kEid));
  Bytes other_eid = h(kEid);
  other_eid.back() ^= 1;
  EXPECT_NE(derive_session_keys(h(kShS), h(kHostId), other_eid).s_enc, base.s_enc);
  EXPECT_NE(derive_session_keys(h(kShS), h("6d61686c7a656974"), h(kEid)).s_enc, base.s_enc);
  Bytes other_secret = h(kShS);
  other_secret[0] ^= 1;
  EXPECT_NE(derive_session_keys(other_secret, h(kHostId), h(kEid)).s_mac, base.s_mac);
}

TEST(CryptoBspKdf, RejectsBadInputs) {
  EXPECT_THROW(derive_session_keys(h(kShS), {}, h(kEid)), Error);
  EXPECT_THROW(derive_session_keys(h(kShS), Bytes(17, 1), h(kEid)), Error);
  EXPECT_THROW(derive_session_keys(h(kShS), h(kHostId), Bytes(15, 0x89)), Error);
  try {
    derive_session_keys(h(kShS), h(kHostId), h(kEid), 0x80, 0x10);
    FAIL() << "an unsupported keyType must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::NotSupported);
  }
}

// --- wrap: the exact bytes of the trace ---

TEST(CryptoBspWrap, ProducesTheTraceSequence) {
  BspSession session(kat_keys());
  EXPECT_EQ(to_hex(session.wrap(0x87, h(kConfigureIsdp))), to_hex(h(kConfigureIsdpProtected)));
  EXPECT_EQ(to_hex(session.wrap_mac_only(0x88, h(kStoreMetadata))),
            to_hex(h(kStoreMetadataProtected)));
  // Only right if the MAC-only 88 advanced the block counter too.
  EXPECT_EQ(to_hex(session.wrap(0x87, h(kReplaceSessionKeys))),
            to_hex(h(kReplaceSessionKeysProtected)));
  EXPECT_EQ(session.block_counter(), 4u);
}

TEST(CryptoBspWrap, ProfileSegmentsAfterReplaceSessionKeys) {
  BspSession session(kat_keys());
  session.wrap(0x87, h(kConfigureIsdp));
  session.wrap_mac_only(0x88, h(kStoreMetadata));
  session.wrap(0x87, h(kReplaceSessionKeys));
  session.replace_session_keys(parse_replace_session_keys(h(kReplaceSessionKeys)));
  EXPECT_EQ(session.block_counter(), 1u);

  Bytes upp = h(kUppSegment0);
  append(upp, h(kUppSegment1));
  std::vector<Bytes> segments = session.wrap_segments(0x86, upp);
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0].size(), kMaxSegmentSize);
  EXPECT_EQ(to_hex(segments[0]), to_hex(h(kUppSegment0Protected)));
  EXPECT_EQ(to_hex(segments[1]), to_hex(h(kUppSegment1Protected)));
}

TEST(CryptoBspReplaceSessionKeys, EncodeParseRoundTrip) {
  SessionKeys keys = parse_replace_session_keys(h(kReplaceSessionKeys));
  EXPECT_EQ(to_hex(keys.initial_mcv), "000102030405060708090A0B0C0D0E0F");
  EXPECT_EQ(to_hex(keys.s_enc), "010102030405060708090A0B0C0D0E0F");
  EXPECT_EQ(to_hex(keys.s_mac), "020102030405060708090A0B0C0D0E0F");
  EXPECT_EQ(to_hex(encode_replace_session_keys(keys)), to_hex(h(kReplaceSessionKeys)));
  EXPECT_THROW(parse_replace_session_keys(h("BF2603800101")), Error);
  EXPECT_THROW(parse_replace_session_keys(h("BF2400")), Error);
}

// --- unwrap: the eUICC side of the same trace ---

TEST(CryptoBspUnwrap, ReadsTheTraceSequence) {
  BspSession session(kat_keys());
  EXPECT_EQ(to_hex(session.unwrap(h(kConfigureIsdpProtected))), to_hex(h(kConfigureIsdp)));
  EXPECT_EQ(to_hex(session.unwrap(h(kStoreMetadataProtected))), to_hex(h(kStoreMetadata)));
  Bytes rsk = session.unwrap(h(kReplaceSessionKeysProtected));
  EXPECT_EQ(to_hex(rsk), to_hex(h(kReplaceSessionKeys)));
  session.replace_session_keys(parse_replace_session_keys(rsk));
  EXPECT_EQ(to_hex(session.unwrap(h(kUppSegment0Protected))), to_hex(h(kUppSegment0)));
  EXPECT_EQ(to_hex(session.unwrap(h(kUppSegment1Protected))), to_hex(h(kUppSegment1)));
}

TEST(CryptoBspUnwrap, RoundTripsEveryPaddingLength) {
  BspSession sender(kat_keys());
  BspSession receiver(kat_keys());
  for (size_t size = 0; size <= 40; ++size) {
    Bytes plaintext(size);
    for (size_t i = 0; i < size; ++i) plaintext[i] = static_cast<uint8_t>(i * 7 + size);
    if (size == 5) plaintext.back() = 0x80;  // plaintext that itself ends like padding
    if (size == 6) plaintext.back() = 0x00;
    Bytes wrapped = size % 3 == 0 ? sender.wrap_mac_only(0x88, plaintext)
                                  : sender.wrap(size % 2 ? 0x86 : 0x87, plaintext);
    EXPECT_EQ(receiver.unwrap(wrapped), plaintext) << "size " << size;
  }
  EXPECT_EQ(sender.block_counter(), receiver.block_counter());
  EXPECT_EQ(sender.mac_chaining_value(), receiver.mac_chaining_value());
}

TEST(CryptoBspUnwrap, SegmentsAWholeProfile) {
  Bytes upp(5000);
  for (size_t i = 0; i < upp.size(); ++i) upp[i] = static_cast<uint8_t>(i * 31);
  BspSession sender(kat_keys());
  BspSession receiver(kat_keys());
  std::vector<Bytes> segments = sender.wrap_segments(0x86, upp);
  ASSERT_EQ(segments.size(), 5u);  // ceil(5000 / 1007)
  Bytes joined;
  for (const Bytes& segment : segments) {
    EXPECT_LE(segment.size(), kMaxSegmentSize);
    append(joined, receiver.unwrap(segment));
  }
  EXPECT_EQ(joined, upp);
}

TEST(CryptoBspUnwrap, SplitKeepsEveryByteOnce) {
  Bytes data(kMaxSegmentPlaintext * 2 + 1, 0xAB);
  std::vector<ByteView> chunks = split_into_segments(data);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].size(), kMaxSegmentPlaintext);
  EXPECT_EQ(chunks[2].size(), 1u);
  EXPECT_TRUE(split_into_segments({}).empty());
}

Errc unwrap_error(BspSession& session, const Bytes& tlv) {
  try {
    session.unwrap(tlv);
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "unwrap accepted " << to_hex(tlv);
  return Errc::Internal;
}

TEST(CryptoBspUnwrap, AnyFlippedBitInCiphertextOrMacIsRefused) {
  Bytes good = h(kConfigureIsdpProtected);
  for (size_t byte = 2; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; bit += 3) {
      Bytes bad = good;
      bad[byte] ^= static_cast<uint8_t>(1u << bit);
      BspSession session(kat_keys());
      EXPECT_EQ(unwrap_error(session, bad), Errc::NotAllowed) << "byte " << byte;
    }
  }
}

TEST(CryptoBspUnwrap, TamperedMetadataIsRefused) {
  BspSession session(kat_keys());
  session.unwrap(h(kConfigureIsdpProtected));
  Bytes bad = h(kStoreMetadataProtected);
  bad[10] ^= 0x01;  // plaintext metadata byte
  EXPECT_EQ(unwrap_error(session, bad), Errc::NotAllowed);
}

TEST(CryptoBspUnwrap, FailureLeavesStateSoTheGoodSegmentStillWorks) {
  BspSession session(kat_keys());
  Bytes bad = h(kConfigureIsdpProtected);
  bad.back() ^= 0x80;
  EXPECT_EQ(unwrap_error(session, bad), Errc::NotAllowed);
  EXPECT_EQ(session.block_counter(), 1u);
  EXPECT_EQ(to_hex(session.unwrap(h(kConfigureIsdpProtected))), to_hex(h(kConfigureIsdp)));
}

TEST(CryptoBspUnwrap, OutOfOrderSegmentIsRefused) {
  BspSession session(kat_keys());
  // Skipping 87(ConfigureISDP) breaks the MAC chain.
  EXPECT_EQ(unwrap_error(session, h(kStoreMetadataProtected)), Errc::NotAllowed);
}

TEST(CryptoBspUnwrap, WrongKeysAreRefused) {
  SessionKeys keys = kat_keys();
  keys.s_mac[0] ^= 1;
  BspSession session(keys);
  EXPECT_EQ(unwrap_error(session, h(kConfigureIsdpProtected)), Errc::NotAllowed);
}

TEST(CryptoBspUnwrap, StructureErrorsAreMalformed) {
  BspSession session(kat_keys());
  EXPECT_EQ(unwrap_error(session, h("8705010203040506")), Errc::Malformed);      // truncated
  EXPECT_EQ(unwrap_error(session, h("89080102030405060708")), Errc::Malformed);  // tag
  EXPECT_EQ(unwrap_error(session, h("870401020304")), Errc::Malformed);  // shorter than a MAC
  EXPECT_EQ(unwrap_error(session, Bytes{}), Errc::Malformed);
}

// A sender that MACs correctly but pads wrongly (no 80 marker): built here from the AES
// primitives, since wrap() cannot produce it. The MAC is valid, so this must be Malformed.
TEST(CryptoBspUnwrap, BadPaddingBehindAGoodMacIsRefused) {
  SessionKeys keys = kat_keys();
  Bytes counter_block(16, 0);
  counter_block.back() = 1;
  Bytes icv = aes128_ecb_encrypt_block(keys.s_enc, counter_block);
  Bytes ciphertext = aes128_cbc_encrypt(keys.s_enc, icv, Bytes(16, 0x00));
  Bytes header{0x87, 0x18};
  Bytes mac_input = keys.initial_mcv;
  append(mac_input, header);
  append(mac_input, ciphertext);
  Bytes mac = aes128_cmac(keys.s_mac, mac_input);
  Bytes tlv = header;
  append(tlv, ciphertext);
  tlv.insert(tlv.end(), mac.begin(), mac.begin() + 8);

  BspSession session(keys);
  EXPECT_EQ(unwrap_error(session, tlv), Errc::Malformed);

  // The same construction with proper padding is accepted, so the test checks padding only.
  Bytes padded(16, 0x00);
  padded[3] = 0x80;
  ciphertext = aes128_cbc_encrypt(keys.s_enc, icv, padded);
  mac_input = keys.initial_mcv;
  append(mac_input, header);
  append(mac_input, ciphertext);
  mac = aes128_cmac(keys.s_mac, mac_input);
  tlv = header;
  append(tlv, ciphertext);
  tlv.insert(tlv.end(), mac.begin(), mac.begin() + 8);
  EXPECT_EQ(session.unwrap(tlv), Bytes(3, 0x00));
}

TEST(CryptoBspWrap, RefusesOversizedSegments) {
  BspSession session(kat_keys());
  EXPECT_NO_THROW(session.wrap(0x86, Bytes(kMaxSegmentPlaintext, 1)));
  EXPECT_THROW(session.wrap(0x86, Bytes(kMaxSegmentPlaintext + 1, 1)), Error);
  EXPECT_NO_THROW(session.wrap_mac_only(0x88, Bytes(kMaxSegmentPlaintext + 1, 1)));
  EXPECT_THROW(session.wrap_mac_only(0x88, Bytes(kMaxSegmentPlaintext + 2, 1)), Error);
}

}  // namespace
}  // namespace euiccd::crypto
