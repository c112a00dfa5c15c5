// The consumer of the seed document's section 四: automatic commits off, offsets committed by
// hand. A group member (subscribe) that polls batches and, per batch, either
//   after:  processes every record, then commitSync()  (at-least-once: the seed's advice), or
//   before: commitSync() of the batch's end, then processes its records (at-most-once: the
//           seed's example of how a crash loses a message).
// "Processing" a record is printing "record <partition> <offset> <value>" to stdout (flushed);
// each commit prints "commit <partition>:<offset> ...". With --pause-after N the program stops
// in the middle of a batch once at least N records are processed in total (never before a
// batch's first record, so part of the batch is done): it prints "paused" and waits to be
// killed. It exits 0 once it has processed up to the end offsets of its partitions.
//
//   java -cp 'classes:.cache/jars/kafka-3.9.0/*' ManualCommitConsumer BOOTSTRAP TOPIC GROUP
//        after|before [--pause-after N]
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

public class ManualCommitConsumer {
  static long processed = 0;
  static long pauseAfter = -1;

  public static void main(String[] args) throws Exception {
    if (args.length != 4 && !(args.length == 6 && args[4].equals("--pause-after"))) {
      System.err.println(
          "usage: ManualCommitConsumer BOOTSTRAP TOPIC GROUP after|before [--pause-after N]");
      System.exit(2);
    }
    boolean commitAfter = args[3].equals("after");
    if (!commitAfter && !args[3].equals("before")) {
      System.err.println("mode must be after or before, not " + args[3]);
      System.exit(2);
    }
    if (args.length == 6) pauseAfter = Long.parseLong(args[5]);

    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("group.id", args[2]);
    props.put("enable.auto.commit", "false");
    props.put("auto.offset.reset", "earliest");
    props.put("max.poll.records", "10");
    // A killed member leaves the group after this long (the default 45 s would keep the
    // restarted one waiting; 10 s leaves room for a slow, busy test machine).
    props.put("session.timeout.ms", "10000");
    props.put("heartbeat.interval.ms", "1000");
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", StringDeserializer.class.getName());

    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(Collections.singletonList(args[1]));
      while (true) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
        if (!records.isEmpty()) {
          if (commitAfter) {
            processBatch(records);
            commit(consumer, records);
          } else {
            commit(consumer, records);
            processBatch(records);
          }
        }
        Set<TopicPartition> assigned = consumer.assignment();
        if (!assigned.isEmpty() && records.isEmpty()) {
          Map<TopicPartition, Long> end = consumer.endOffsets(assigned);
          boolean done = true;
          for (TopicPartition tp : assigned) {
            if (consumer.position(tp) < end.get(tp)) done = false;
          }
          if (done) {
            System.out.println("done");
            System.out.flush();
            return;
          }
        }
      }
    }
  }

  static void processBatch(ConsumerRecords<String, String> records) throws InterruptedException {
    boolean first = true;
    for (ConsumerRecord<String, String> r : records) {
      if (pauseAfter >= 0 && processed >= pauseAfter && !first) {
        System.out.println("paused");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);  // killed here, in the middle of a batch
      }
      System.out.println("record " + r.partition() + " " + r.offset() + " " + r.value());
      System.out.flush();
      processed++;
      first = false;
    }
  }

  // Commits the position after each partition's last record in the batch.
  static void commit(KafkaConsumer<String, String> consumer,
                     ConsumerRecords<String, String> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    StringBuilder line = new StringBuilder("commit");
    for (TopicPartition tp : records.partitions()) {
      java.util.List<ConsumerRecord<String, String>> part = records.records(tp);
      long next = part.get(part.size() - 1).offset() + 1;
      offsets.put(tp, new OffsetAndMetadata(next));
      line.append(' ').append(tp.partition()).append(':').append(next);
    }
    consumer.commitSync(offsets);
    System.out.println(line);
    System.out.flush();
  }
}
