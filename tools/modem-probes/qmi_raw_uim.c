/* Probe: carry UIM Open Logical Channel (0x0042) / Send APDU (0x003B) /
 * Logical Channel close (0x003F) with libqmi-glib 1.32's generic message API.
 * Build: cc qmi_raw_uim.c $(pkg-config --cflags --libs qmi-glib) -o qmi_raw_uim
 * Run:   ./qmi_raw_uim /path/to/device   (through qmi-proxy, QMI mode) */
#include <libqmi-glib.h>
#include <stdio.h>

static GMainContext *ctx;
static void ready(GObject *o, GAsyncResult *r, gpointer p) { *(GAsyncResult **)p = g_object_ref(r); }
#define WAIT(res) while (!(res)) g_main_context_iteration(ctx, TRUE)

static QmiMessage *xfer(QmiDevice *dev, QmiClient *cl, QmiMessage *req) {
    GAsyncResult *res = NULL; GError *err = NULL;
    qmi_device_command_full(dev, req, NULL, 10, NULL, ready, &res);
    WAIT(res);
    QmiMessage *rsp = qmi_device_command_full_finish(dev, res, &err);
    g_object_unref(res);
    if (!rsp) { fprintf(stderr, "transport error: %s\n", err->message); return NULL; }
    /* Result TLV 0x02: u16 result, u16 error (QmiProtocolError) */
    gsize off = 0; guint16 result = 0, error = 0;
    gsize t = qmi_message_tlv_read_init(rsp, 0x02, NULL, &err);
    if (!t || !qmi_message_tlv_read_guint16(rsp, t, &off, QMI_ENDIAN_LITTLE, &result, &err)
           || !qmi_message_tlv_read_guint16(rsp, t, &off, QMI_ENDIAN_LITTLE, &error, &err)) {
        fprintf(stderr, "bad result TLV: %s\n", err->message); return NULL; }
    printf("msg 0x%04x result=%u error=%u (%s)\n", qmi_message_get_message_id(rsp), result, error,
           result ? qmi_protocol_error_get_string(error) : "ok");
    return rsp;
}

int main(int argc, char **argv) {
    GError *err = NULL; GAsyncResult *res = NULL;
    ctx = g_main_context_new();
    g_main_context_push_thread_default(ctx);           /* worker-thread style */
    GFile *f = g_file_new_for_path(argv[1]);
    qmi_device_new(f, NULL, ready, &res); WAIT(res);
    QmiDevice *dev = qmi_device_new_finish(res, &err); g_clear_object(&res);
    if (!dev) { fprintf(stderr, "new: %s\n", err->message); return 1; }
    qmi_device_open(dev, QMI_DEVICE_OPEN_FLAGS_PROXY | QMI_DEVICE_OPEN_FLAGS_NONE, 10, NULL, ready, &res);
    WAIT(res);
    if (!qmi_device_open_finish(dev, res, &err)) { fprintf(stderr, "open: %s\n", err->message); return 1; }
    g_clear_object(&res);
    qmi_device_allocate_client(dev, QMI_SERVICE_UIM, QMI_CID_NONE, 10, NULL, ready, &res); WAIT(res);
    QmiClient *cl = qmi_device_allocate_client_finish(dev, res, &err); g_clear_object(&res);
    if (!cl) { fprintf(stderr, "alloc: %s\n", err->message); return 1; }
    guint8 cid = qmi_client_get_cid(cl);

    /* Open Logical Channel 0x0042: TLV 0x01 slot u8; TLV 0x10 AID (u8 len + bytes) */
    static const guint8 isdr[] = {0xA0,0x00,0x00,0x05,0x59,0x10,0x10,0xFF,0xFF,0xFF,0xFF,0x89,0x00,0x00,0x01,0x00};
    QmiMessage *m = qmi_message_new(QMI_SERVICE_UIM, cid, qmi_client_get_next_transaction_id(cl), 0x0042);
    gsize t = qmi_message_tlv_write_init(m, 0x01, &err);
    qmi_message_tlv_write_guint8(m, 1, &err); qmi_message_tlv_write_complete(m, t, &err);
    t = qmi_message_tlv_write_init(m, 0x10, &err);
    qmi_message_tlv_write_guint8(m, sizeof isdr, &err);
    for (gsize i = 0; i < sizeof isdr; i++) qmi_message_tlv_write_guint8(m, isdr[i], &err);
    qmi_message_tlv_write_complete(m, t, &err);
    QmiMessage *r = xfer(dev, cl, m); qmi_message_unref(m);
    guint8 ch = 0; gsize off = 0;
    t = qmi_message_tlv_read_init(r, 0x10, NULL, NULL);
    if (t) qmi_message_tlv_read_guint8(r, t, &off, &ch, NULL);
    printf("channel=%u\n", ch); qmi_message_unref(r);

    /* Send APDU 0x003B: TLV 0x01 slot u8; 0x02 APDU (u16 len + bytes); 0x10 channel u8 */
    static const guint8 apdu[] = {0x81,0xE2,0x91,0x00,0x03,0xBF,0x3E,0x00}; /* GetEuiccData-ish on ch1 */
    m = qmi_message_new(QMI_SERVICE_UIM, cid, qmi_client_get_next_transaction_id(cl), 0x003B);
    t = qmi_message_tlv_write_init(m, 0x01, NULL); qmi_message_tlv_write_guint8(m, 1, NULL); qmi_message_tlv_write_complete(m, t, NULL);
    t = qmi_message_tlv_write_init(m, 0x02, NULL); qmi_message_tlv_write_guint16(m, QMI_ENDIAN_LITTLE, sizeof apdu, NULL);
    for (gsize i = 0; i < sizeof apdu; i++) qmi_message_tlv_write_guint8(m, apdu[i], NULL);
    qmi_message_tlv_write_complete(m, t, NULL);
    t = qmi_message_tlv_write_init(m, 0x10, NULL); qmi_message_tlv_write_guint8(m, ch, NULL); qmi_message_tlv_write_complete(m, t, NULL);
    r = xfer(dev, cl, m); qmi_message_unref(m);
    guint16 len = 0; off = 0;
    t = qmi_message_tlv_read_init(r, 0x10, NULL, NULL);
    if (t && qmi_message_tlv_read_guint16(r, t, &off, QMI_ENDIAN_LITTLE, &len, NULL)) {
        printf("apdu response (%u):", len);
        for (guint i = 0; i < len; i++) { guint8 b; qmi_message_tlv_read_guint8(r, t, &off, &b, NULL); printf(" %02X", b); }
        printf("\n"); }
    qmi_message_unref(r);

    /* Logical Channel 0x003F (close): TLV 0x01 slot u8; TLV 0x11 channel id u8 */
    m = qmi_message_new(QMI_SERVICE_UIM, cid, qmi_client_get_next_transaction_id(cl), 0x003F);
    t = qmi_message_tlv_write_init(m, 0x01, NULL); qmi_message_tlv_write_guint8(m, 1, NULL); qmi_message_tlv_write_complete(m, t, NULL);
    t = qmi_message_tlv_write_init(m, 0x11, NULL); qmi_message_tlv_write_guint8(m, ch, NULL); qmi_message_tlv_write_complete(m, t, NULL);
    r = xfer(dev, cl, m); qmi_message_unref(m); if (r) qmi_message_unref(r);

    qmi_device_release_client(dev, cl, QMI_DEVICE_RELEASE_CLIENT_FLAGS_RELEASE_CID, 10, NULL, ready, &res); WAIT(res);
    qmi_device_release_client_finish(dev, res, NULL);
    return 0;
}
