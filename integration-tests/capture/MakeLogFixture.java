// Produces the records of log/test/data/kafka-3.9-logdir/ into a running Apache Kafka 3.9 broker
// and writes the manifest that log/test/kafka_fixture_test.cc checks. Run by
// make_log_fixture.sh as a single-file program:
//
//   java -cp '.cache/jars/kafka-3.9.0/*' MakeLogFixture.java <bootstrap> <manifest>
//
// Topic "fixture", 2 partitions, segment.bytes=4096 and index.interval.bytes=512 so partition 0
// spans several segments with offset and time index entries.
//   partition 0: idempotent producers, one per codec (none, gzip, snappy, lz4, zstd), three
//                rounds of one 8-record batch each; keys, headers, fixed timestamps.
//   partition 1: a transactional producer: one committed and one aborted transaction (so a
//                COMMIT and an ABORT marker and a .txnindex entry), then a plain batch with
//                a null key and a null value (tombstone).
// Manifest lines (space-separated, "-" for null, headers as k=v joined by ','):
//   record <partition> <offset> <timestamp> <codec> <txn: none|commit|abort> <key> <value> <headers>
//   control <partition> <offset> <commit|abort>
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class MakeLogFixture {
  static final String TOPIC = "fixture";
  static final long T0 = 1_700_000_000_000L;
  static String bootstrap;
  static final List<String> manifest = new ArrayList<>();

  static Properties producerProps(String codec) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // One batch per flush(): nothing leaves before flush() is called.
    p.put(ProducerConfig.LINGER_MS_CONFIG, "600000");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, "1000000");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "700000");  // >= linger + request timeout
    return p;
  }

  record Sent(Future<RecordMetadata> meta, ProducerRecord<String, String> rec, String codec,
              String txn) {}

  static ProducerRecord<String, String> rec(int partition, long ts, String key, String value,
                                            int headers) {
    ProducerRecord<String, String> r = new ProducerRecord<>(TOPIC, partition, ts, key, value);
    for (int h = 0; h < headers; ++h) {
      r.headers().add(new RecordHeader("h" + h, ("hv" + h + "-" + ts).getBytes(
          StandardCharsets.UTF_8)));
    }
    return r;
  }

  static void record(List<Sent> sent) throws Exception {
    for (Sent s : sent) {
      RecordMetadata m = s.meta.get();
      StringBuilder hs = new StringBuilder();
      for (var h : s.rec.headers()) {
        if (hs.length() > 0) hs.append(',');
        hs.append(h.key()).append('=').append(new String(h.value(), StandardCharsets.UTF_8));
      }
      manifest.add(String.join(" ", "record", String.valueOf(m.partition()),
          String.valueOf(m.offset()), String.valueOf(s.rec.timestamp()), s.codec, s.txn,
          s.rec.key() == null ? "-" : s.rec.key(), s.rec.value() == null ? "-" : s.rec.value(),
          hs.length() == 0 ? "-" : hs.toString()));
    }
  }

  static long lastOffset(List<Sent> sent) throws Exception {
    return sent.get(sent.size() - 1).meta.get().offset();
  }

  public static void main(String[] args) throws Exception {
    bootstrap = args[0];
    Properties ap = new Properties();
    ap.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(ap)) {
      NewTopic t = new NewTopic(TOPIC, 2, (short) 1)
          .configs(Map.of("segment.bytes", "4096", "index.interval.bytes", "512"));
      admin.createTopics(List.of(t)).all().get(60, TimeUnit.SECONDS);
    }

    String[] codecs = {"none", "gzip", "snappy", "lz4", "zstd"};
    long ts = T0;
    for (int round = 0; round < 3; ++round) {
      for (String codec : codecs) {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProps(codec))) {
          List<Sent> sent = new ArrayList<>();
          for (int i = 0; i < 8; ++i) {
            String key = "k-" + codec + "-" + round + "-" + i;
            String value = "value-" + codec + "-" + round + "-" + i + "-" + "x".repeat(40 + i);
            var r = rec(0, ts, key, value, i % 3);
            ts += 7;
            sent.add(new Sent(p.send(r), r, codec, "none"));
          }
          p.flush();
          record(sent);
        }
      }
    }

    Properties tp = producerProps("none");
    tp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "fixture-txn");
    try (KafkaProducer<String, String> p = new KafkaProducer<>(tp)) {
      p.initTransactions();
      String[] outcomes = {"commit", "abort"};
      for (String outcome : outcomes) {
        p.beginTransaction();
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < 4; ++i) {
          var r = rec(1, ts, "txn-" + outcome + "-" + i, "value-txn-" + outcome + "-" + i, 1);
          ts += 7;
          sent.add(new Sent(p.send(r), r, "none", outcome));
        }
        p.flush();
        record(sent);
        long markerOffset = lastOffset(sent) + 1;
        if (outcome.equals("commit")) {
          p.commitTransaction();
        } else {
          p.abortTransaction();
        }
        manifest.add("control 1 " + markerOffset + " " + outcome);
        waitForNoOpenTransaction(markerOffset + 1);
      }
    }

    try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProps("lz4"))) {
      List<Sent> sent = new ArrayList<>();
      var r1 = rec(1, ts, null, "value-null-key", 0);
      var r2 = rec(1, ts + 1, "tombstone", null, 0);
      sent.add(new Sent(p.send(r1), r1, "lz4", "none"));
      sent.add(new Sent(p.send(r2), r2, "lz4", "none"));
      p.flush();
      record(sent);
    }

    try (PrintWriter w = new PrintWriter(args[1], StandardCharsets.UTF_8)) {
      w.println("# Written by integration-tests/capture/MakeLogFixture.java against Apache Kafka"
          + " 3.9.0; see make_log_fixture.sh.");
      for (String line : manifest) w.println(line);
    }
  }

  // The transaction marker is written by the coordinator after commit/abortTransaction()
  // returns; the last stable offset reaches the log end once it is there.
  static void waitForNoOpenTransaction(long expectedEnd) throws Exception {
    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    TopicPartition tp1 = new TopicPartition(TOPIC, 1);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp)) {
      long deadline = System.currentTimeMillis() + 60_000;
      while (c.endOffsets(List.of(tp1)).get(tp1) < expectedEnd) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("transaction marker not written at " + expectedEnd);
        }
        Thread.sleep(100);
      }
    }
  }
}
