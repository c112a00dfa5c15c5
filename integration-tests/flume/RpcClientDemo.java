// The seed document's RpcClientDemo (section 三), our own version: sends events to a Flume
// agent's avro source with Flume's RPC client (RpcClientFactory.getDefaultInstance, the default
// avro client), as the Flume Developer Guide shows.
//
//   java -cp 'classes:.cache/jars/flume-1.11.0/*' RpcClientDemo HOST PORT [COUNT [BATCH [BODY]]]
//
// COUNT events (default 10) are sent; BODY (default "Hello Flume!") is the body of each, and
// "%d" in it is replaced by the event's number (0..COUNT-1). BATCH 1 (the default) sends one
// event per append(), as the seed does; more sends appendBatch() calls of that many events.
// Unlike the seed, which drops an event whose delivery failed, a failed call is retried with a
// new client (up to 10 times in a row, then the program exits 1): the agent acknowledges a call
// only once its events are in the channel, so every event is sent at least once. Prints
// "sent N events, R retries" at the end.
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.api.RpcClient;
import org.apache.flume.api.RpcClientFactory;
import org.apache.flume.event.EventBuilder;

public class RpcClientDemo {
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: RpcClientDemo HOST PORT [COUNT [BATCH [BODY]]]");
      System.exit(2);
    }
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    int count = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int batch = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    String body = args.length > 4 ? args[4] : "Hello Flume!";

    MyRpcClientFacade client = new MyRpcClientFacade();
    // Initialize client with the remote Flume agent's host and port
    client.init(host, port);
    List<Event> events = new ArrayList<>(batch);
    for (int i = 0; i < count; i++) {
      // Create a Flume Event object that encapsulates the sample data
      events.add(EventBuilder.withBody(body.replace("%d", Integer.toString(i)),
                                       StandardCharsets.UTF_8));
      if (events.size() == batch || i == count - 1) {
        client.send(events);
        events.clear();
      }
    }
    client.cleanUp();
    System.out.println("sent " + count + " events, " + client.retries + " retries");
  }
}

class MyRpcClientFacade {
  private RpcClient client;
  private String hostname;
  private int port;
  int retries = 0;

  public void init(String hostname, int port) {
    // Setup the RPC connection
    this.hostname = hostname;
    this.port = port;
    this.client = RpcClientFactory.getDefaultInstance(hostname, port);
  }

  public void send(List<Event> events) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        if (events.size() == 1) {
          client.append(events.get(0));
        } else {
          client.appendBatch(events);
        }
        return;
      } catch (EventDeliveryException e) {
        if (attempt == 10) {
          System.err.println("giving up after " + attempt + " attempts: " + e);
          System.exit(1);
        }
        System.err.println("delivery failed (" + e + "); retrying with a new client");
        retries++;
        // clean up and recreate the client
        client.close();
        client = RpcClientFactory.getDefaultInstance(hostname, port);
      }
    }
  }

  public void cleanUp() {
    // Close the RPC connection
    client.close();
  }
}
