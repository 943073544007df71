#pragma once
// What a client hears when image storage cannot answer (a retry may work): uploads and
// send_image both say it, with status 503.
namespace chatd::uploads {

inline constexpr const char* kStoreUnavailable =
    "Image storage is unavailable, please try again later";

}  // namespace chatd::uploads
