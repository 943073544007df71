#pragma once
// Serving stored images back: GET /uploads/:name, the links the local folder store issues.
#include "blob/blob_store.hpp"
#include "core/blocking_pool.hpp"
#include "http/router.hpp"

namespace chatd::uploads {

// Adds GET /uploads/:name (public) when store is the local folder store; other stores issue
// links that clients read elsewhere, so nothing is added for them. File reads run on pool.
void add_file_routes(http::Router& router, blob::BlobStore& store, core::BlockingPool& pool);

}  // namespace chatd::uploads
