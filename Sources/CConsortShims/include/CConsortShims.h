// C entry points for what Swift cannot call directly: libopus's variadic
// ctl interface behind function-like macros. Every symbol is prefixed
// `consort_` so it cannot clash with the libraries it wraps.
#ifndef CCONSORT_SHIMS_H
#define CCONSORT_SHIMS_H

#include <opus/opus.h>
#include <stdint.h>

int consort_opus_encoder_set_bitrate(OpusEncoder *enc, int32_t bitrate);
int consort_opus_encoder_set_complexity(OpusEncoder *enc, int32_t complexity);
int consort_opus_encoder_set_inband_fec(OpusEncoder *enc, int32_t on);
int consort_opus_encoder_set_dtx(OpusEncoder *enc, int32_t on);
int consort_opus_encoder_set_packet_loss_perc(OpusEncoder *enc, int32_t percent);
int consort_opus_encoder_set_signal(OpusEncoder *enc, int32_t signal);
int consort_opus_encoder_set_max_bandwidth(OpusEncoder *enc, int32_t bandwidth);
int consort_opus_encoder_get_bitrate(OpusEncoder *enc, int32_t *bitrate);
int consort_opus_encoder_get_in_dtx(OpusEncoder *enc, int32_t *inDTX);
int consort_opus_encoder_get_lookahead(OpusEncoder *enc, int32_t *samples);
int consort_opus_encoder_reset(OpusEncoder *enc);

int consort_opus_decoder_reset(OpusDecoder *dec);
int consort_opus_decoder_get_last_packet_duration(OpusDecoder *dec, int32_t *samples);
int consort_opus_decoder_set_gain(OpusDecoder *dec, int32_t q8dB);

#endif
