// Test design that never settles once `go` is 1: a zero-delay loop the timeout must stop.
module hang(input clk, input go, output y);
  wire loop;
  assign loop = go ? ~loop : 1'b0;    // @loop
  assign y = loop;
endmodule
