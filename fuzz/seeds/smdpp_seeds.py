#!/usr/bin/python3
"""Writes fuzz seeds from real traffic with the test SM-DP+ / SM-DS (tests/smdpp).

Runs the real server on loopback and plays a download with its software eUICC (the one
tests/smdpp/test_smdpp.py uses), then stores what each side really said:

  fuzz/corpus/es9p/           <function> <status choice> <type choice> <JSON reply body>
  fuzz/corpus/es10_download/  <decoder> <message>  (BF38, BF21, BF41, smdpSigned2, BF25, BPP, PIR)
  fuzz/corpus/certificate/    the servers' and the card's certificates, DER and PEM chains
  fuzz/corpus/base64/         base64 fields of the replies

The transactionId in the stored replies is replaced by the one es9p_fuzz.cpp uses, so the
client's echo check passes. Run with Debian's interpreter from the repository root:

  /usr/bin/python3 fuzz/seeds/smdpp_seeds.py [--profile-size N]
"""

import argparse
import base64
import json
import os
import shutil
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "smdpp"))

import certs  # noqa: E402
import der  # noqa: E402
import test_smdpp as t  # noqa: E402

FUZZ_TXID = "0123456789ABCDEF8899AABBCCDDEEFF"  # es9p_fuzz.cpp our_transaction()

# es9p_fuzz.cpp Function order; status/type choice 0 = 200 + application/json;charset=UTF-8.
ES9P = {"initiateAuthentication": 0, "authenticateClient": 1, "getBoundProfilePackage": 2,
        "handleNotification": 3, "cancelSession": 4, "es11InitiateAuthentication": 5,
        "es11AuthenticateClient": 6}
# es10_download_fuzz.cpp Decoder order.
DL = {"authenticateServer": 0, "prepareDownload": 1, "cancelSession": 2, "smdpSigned2": 3,
      "storeMetadata": 4, "splitBpp": 5, "installationResult": 6, "errorCodes": 7}


def write(corpus, name, data):
    d = os.path.join(ROOT, "fuzz", "corpus", corpus)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def es9p_seed(name, function, reply, status_choice=0, type_choice=0):
    reply = dict(reply)
    if "transactionId" in reply:
        reply["transactionId"] = FUZZ_TXID
    body = json.dumps(reply, separators=(",", ":")).encode()
    write("es9p", name, bytes([ES9P[function], status_choice, type_choice]) + body)


def dl_seed(name, decoder, message):
    write("es10_download", name, bytes([DL[decoder]]) + message)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile-size", type=int, default=1200)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="fuzz-seeds-")
    try:
        os.makedirs(os.path.join(tmp, "pki"))
        pki = t.Pki(os.path.join(tmp, "pki"))
        orders = [{"matchingId": "SEED-1", "reusable": True,
                   "profile": {"generate": {"iccid": "8944000000000000017", "size": args.profile_size}},
                   "metadata": {"iccid": "8944000000000000017", "serviceProviderName": "Seed Telecom",
                                "profileName": "Seed", "profileClass": "operational",
                                "profileOwner": {"mccMnc": "20606"}}},
                  {"matchingId": "SEED-CC", "confirmationCode": "1234", "reusable": True,
                   "profile": {"generate": {"iccid": "8944000000000000025", "size": args.profile_size}},
                   "metadata": {"iccid": "8944000000000000025", "serviceProviderName": "Seed Telecom",
                                "profileName": "Seed CC"}}]
        smdp = t.Server(tmp, pki, t.smdp_config(orders=orders), name="smdp")
        try:
            euicc = t.SoftEuicc(pki)
            lpa = t.Lpa(smdp, euicc)
            ia = lpa.initiate()
            es9p_seed("initiate_ok", "initiateAuthentication", ia)
            es9p_seed("es11_initiate_ok", "es11InitiateAuthentication", ia)
            asr = euicc.authenticate_server(ia, "SEED-1", address=smdp.host)
            dl_seed("authenticate_server_ok", "authenticateServer", asr)
            _, ac = smdp.call("authenticateClient", {"transactionId": ia["transactionId"],
                                                     "authenticateServerResponse": t.b64(asr)})
            es9p_seed("authenticate_ok", "authenticateClient", ac)
            dl_seed("smdp_signed2", "smdpSigned2", base64.b64decode(ac["smdpSigned2"]))
            dl_seed("metadata", "storeMetadata", base64.b64decode(ac["profileMetadata"]))
            pdr = euicc.prepare_download(ac)
            dl_seed("prepare_download_ok", "prepareDownload", pdr)
            _, bpp = smdp.call("getBoundProfilePackage", {"transactionId": ia["transactionId"],
                                                          "prepareDownloadResponse": t.b64(pdr)})
            es9p_seed("bpp_ok", "getBoundProfilePackage", bpp)
            bpp_der = base64.b64decode(bpp["boundProfilePackage"])
            dl_seed("bpp", "splitBpp", bpp_der)
            euicc.load_bpp(bpp_der)  # the package is real: the soft eUICC accepts it
            oid = certs.registered_ids(pki.cert("dppb.pem"))[0]
            pir = euicc.pir("8944000000000000017", oid)
            dl_seed("pir_ok", "installationResult", pir)
            write("es10", "pending_pir", bytes([14]) + pir)  # es10_fuzz kPendingNotification
            write("es10", "pending_other", bytes([14]) + euicc.other_notification("8944000000000000017"))
            status, _ = smdp.call("handleNotification", {"pendingNotification": t.b64(pir)})
            assert status == 204
            write("es9p", "notification_204", bytes([ES9P["handleNotification"], 4, 3]))

            # A session that the card cancels.
            ia2 = lpa.initiate()
            lpa.authenticate(ia2, "SEED-CC")
            cancel = euicc.cancel(1)
            dl_seed("cancel_session_ok", "cancelSession", cancel)
            _, r = smdp.call("cancelSession", {"transactionId": ia2["transactionId"],
                                               "cancelSessionResponse": t.b64(cancel)})
            es9p_seed("cancel_ok", "cancelSession", r)
            # Refusals as the server words them.
            es9p_seed("refused_order", "authenticateClient", lpa.authenticate(lpa.initiate(), "NO-SUCH"))
            es9p_seed("refused_http400", "initiateAuthentication",
                      {"header": {"functionExecutionStatus": {
                          "status": "Failed", "statusCodeData": {"subjectCode": "8.1.1", "reasonCode": "3.8",
                                                                 "message": "unknown SM-DP+ address"}}}},
                      status_choice=5)
            for name in ("ci.pem", "eum.pem", "euicc.pem", "dpauth.pem", "dppb.pem", "dptls.pem"):
                cert = pki.cert(name)
                write("certificate", name.replace(".pem", ".der"), certs.cert_der(cert))
            with open(pki.path("euicc.pem"), "rb") as a, open(pki.path("eum.pem"), "rb") as b, \
                    open(pki.path("ci.pem"), "rb") as c:
                write("certificate", "euicc_chain.pem", a.read() + b.read() + c.read())
            with open(pki.path("dpauth.pem"), "rb") as a, open(pki.path("ci.pem"), "rb") as c:
                write("certificate", "dpauth_chain.pem", a.read() + c.read())
            write("base64", "server_signed1", ia["serverSigned1"].encode())
            write("base64", "metadata", ac["profileMetadata"].encode())
        finally:
            smdp.stop()

        cfg = {"role": "smds", "address": t.SMDS, "tls": {"cert": "dstls-chain.pem", "key": "dstls.key"},
               "auth": {"cert": "dsauth.pem", "key": "dsauth.key"}, "trustedCi": ["ci.pem"],
               "events": [{"eid": t.EID, "eventId": "EVT-1", "rspServerAddress": t.SMDP},
                          {"eid": t.EID, "eventId": "EVT-2", "rspServerAddress": t.SMDP + ":8443"}]}
        smds = t.Server(tmp, pki, cfg, name="smds")
        try:
            euicc = t.SoftEuicc(pki)
            lpa = t.Lpa(smds, euicc)
            ia = lpa.initiate(address=t.SMDS, prefix="/gsma/rsp2/es11/", key="smdsAddress")
            r = lpa.authenticate(ia, None, prefix="/gsma/rsp2/es11/", role=certs.ROLE_DS_AUTH)
            es9p_seed("es11_events", "es11AuthenticateClient", r)
        finally:
            smds.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
