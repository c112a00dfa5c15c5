#include "server/meta_properties.h"

#include <charconv>
#include <ctime>

#include "log/file.h"
#include "server/properties.h"

namespace fjord {

std::optional<MetaProperties> read_meta_properties(const std::string& dir, std::string* error) {
  std::string path = dir + "/meta.properties";
  if (!log::file_exists(path)) return std::nullopt;
  auto props = load_properties_file(path);
  if (!props) {
    *error = "cannot read " + path;
    return std::nullopt;
  }
  MetaProperties meta;
  auto id = props->find("broker.id");
  if (id == props->end()) id = props->find("node.id");  // KRaft-written dirs
  if (id != props->end()) {
    std::from_chars(id->second.data(), id->second.data() + id->second.size(), meta.broker_id);
  }
  auto cluster = props->find("cluster.id");
  if (cluster != props->end()) meta.cluster_id = cluster->second;
  return meta;
}

bool write_meta_properties(const std::string& dir, const MetaProperties& meta, std::string* error) {
  std::time_t now = std::time(nullptr);
  char stamp[64];
  std::strftime(stamp, sizeof stamp, "%a %b %d %H:%M:%S UTC %Y", std::gmtime(&now));
  std::string text = "#\n#" + std::string(stamp) + "\ncluster.id=" + meta.cluster_id +
                     "\nversion=0\nbroker.id=" + std::to_string(meta.broker_id) + "\n";
  std::string path = dir + "/meta.properties";
  if (!log::write_file_atomically(path, text).ok()) {
    *error = "cannot write " + path;
    return false;
  }
  return true;
}

std::optional<std::string> ensure_meta_properties(const std::vector<std::string>& dirs,
                                                  int32_t broker_id,
                                                  const std::string& fresh_cluster_id,
                                                  std::string* error) {
  std::string cluster_id;
  std::vector<std::string> missing;
  for (const std::string& dir : dirs) {
    std::string read_error;
    auto meta = read_meta_properties(dir, &read_error);
    if (!read_error.empty()) {
      *error = read_error;
      return std::nullopt;
    }
    if (!meta) {
      missing.push_back(dir);
      continue;
    }
    if (meta->broker_id != broker_id) {
      *error = "configured broker.id " + std::to_string(broker_id) +
               " does not match the stored broker.id " + std::to_string(meta->broker_id) +
               " in " + dir + "/meta.properties; fix broker.id or use another log dir";
      return std::nullopt;
    }
    if (!cluster_id.empty() && meta->cluster_id != cluster_id) {
      *error = "the log dirs belong to different clusters (" + cluster_id + " and " +
               meta->cluster_id + " in " + dir + "/meta.properties)";
      return std::nullopt;
    }
    cluster_id = meta->cluster_id;
  }
  if (cluster_id.empty()) cluster_id = fresh_cluster_id;
  for (const std::string& dir : missing) {
    if (!write_meta_properties(dir, {broker_id, cluster_id}, error)) return std::nullopt;
  }
  return cluster_id;
}

}  // namespace fjord
