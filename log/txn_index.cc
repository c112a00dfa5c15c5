#include "log/txn_index.h"

#include "protocol/records/batch_header.h"

namespace fjord::log {

using batch_header::load_be;
using batch_header::store_be;

void TxnIndex::encode(const AbortedTxn& t, uint8_t* out) {
  store_be<int16_t>(out, 0);
  store_be<int64_t>(out + 2, t.producer_id);
  store_be<int64_t>(out + 10, t.first_offset);
  store_be<int64_t>(out + 18, t.last_offset);
  store_be<int64_t>(out + 26, t.last_stable_offset);
}

AbortedTxn TxnIndex::decode(const uint8_t* in) {
  return {load_be<int64_t>(in + 2), load_be<int64_t>(in + 10), load_be<int64_t>(in + 18),
          load_be<int64_t>(in + 26)};
}

Result<void> TxnIndex::ensure_open() {
  if (file_.is_open()) return {};
  auto f = File::open_read_write(path_, true);
  if (!f) return f.error();
  auto size = f->size();
  if (!size) return size.error();
  size_ = *size;
  file_ = std::move(*f);
  return {};
}

Result<void> TxnIndex::append(const AbortedTxn& txn) {
  if (auto r = ensure_open(); !r) return r;
  uint8_t buf[kEntrySize];
  encode(txn, buf);
  if (auto r = file_.pwrite_all(buf, kEntrySize, size_); !r) return r;
  size_ += kEntrySize;
  return {};
}

Result<std::vector<AbortedTxn>> TxnIndex::read_all() const {
  std::vector<AbortedTxn> out;
  if (!file_.is_open() && !file_exists(path_)) return out;
  auto bytes = read_small_file(path_);
  if (!bytes) return bytes.error();
  const auto* p = reinterpret_cast<const uint8_t*>(bytes->data());
  for (size_t pos = 0; pos + kEntrySize <= bytes->size(); pos += kEntrySize) {
    out.push_back(decode(p + pos));
  }
  return out;
}

Result<void> TxnIndex::truncate_to(int64_t offset) {
  if (!file_.is_open() && !file_exists(path_)) return {};
  auto all = read_all();
  if (!all) return all.error();
  if (auto r = ensure_open(); !r) return r;
  int64_t keep = 0;
  for (const AbortedTxn& t : *all) {
    if (t.last_offset >= offset) break;
    keep += kEntrySize;
  }
  if (auto r = file_.truncate(keep); !r) return r;
  size_ = keep;
  return {};
}

Result<void> TxnIndex::flush() { return file_.is_open() ? file_.fsync() : Result<void>{}; }

Result<void> TxnIndex::rename(const fs::path& to) {
  if (file_exists(path_)) {
    if (auto r = rename_file(path_, to); !r) return r;
  }
  path_ = to;
  file_.set_path(to);
  return {};
}

Result<void> TxnIndex::remove() {
  file_.close();
  return remove_file(path_);
}

}  // namespace fjord::log
