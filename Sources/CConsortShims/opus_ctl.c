#include "CConsortShims.h"

int consort_opus_encoder_set_bitrate(OpusEncoder *enc, int32_t v) { return opus_encoder_ctl(enc, OPUS_SET_BITRATE(v)); }
int consort_opus_encoder_set_complexity(OpusEncoder *enc, int32_t v) { return opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(v)); }
int consort_opus_encoder_set_inband_fec(OpusEncoder *enc, int32_t v) { return opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(v)); }
int consort_opus_encoder_set_dtx(OpusEncoder *enc, int32_t v) { return opus_encoder_ctl(enc, OPUS_SET_DTX(v)); }
int consort_opus_encoder_set_packet_loss_perc(OpusEncoder *enc, int32_t v) { return opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(v)); }
int consort_opus_encoder_set_signal(OpusEncoder *enc, int32_t v) { return opus_encoder_ctl(enc, OPUS_SET_SIGNAL(v)); }
int consort_opus_encoder_set_max_bandwidth(OpusEncoder *enc, int32_t v) { return opus_encoder_ctl(enc, OPUS_SET_MAX_BANDWIDTH(v)); }
int consort_opus_encoder_get_bitrate(OpusEncoder *enc, int32_t *v) { opus_int32 x = 0; int r = opus_encoder_ctl(enc, OPUS_GET_BITRATE(&x)); *v = x; return r; }
int consort_opus_encoder_get_in_dtx(OpusEncoder *enc, int32_t *v) { opus_int32 x = 0; int r = opus_encoder_ctl(enc, OPUS_GET_IN_DTX(&x)); *v = x; return r; }
int consort_opus_encoder_get_lookahead(OpusEncoder *enc, int32_t *v) { opus_int32 x = 0; int r = opus_encoder_ctl(enc, OPUS_GET_LOOKAHEAD(&x)); *v = x; return r; }
int consort_opus_encoder_reset(OpusEncoder *enc) { return opus_encoder_ctl(enc, OPUS_RESET_STATE); }

int consort_opus_decoder_reset(OpusDecoder *dec) { return opus_decoder_ctl(dec, OPUS_RESET_STATE); }
int consort_opus_decoder_get_last_packet_duration(OpusDecoder *dec, int32_t *v) { opus_int32 x = 0; int r = opus_decoder_ctl(dec, OPUS_GET_LAST_PACKET_DURATION(&x)); *v = x; return r; }
int consort_opus_decoder_set_gain(OpusDecoder *dec, int32_t v) { return opus_decoder_ctl(dec, OPUS_SET_GAIN(v)); }
