// Test design for the simulator adapters: every branch kind, a submodule used twice.
module counter_leaf(input clk, input rst_n, input en, input [1:0] mode, output reg [3:0] n);
  always @(posedge clk or negedge rst_n) begin
    if (!rst_n)                       // @leaf_rst
      n <= 0;
    else if (en) begin                // @leaf_en
      case (mode)                     // @leaf_case
        2'd0: n <= n + 1;             // @leaf_m0
        2'd1: n <= n - 1;             // @leaf_m1
        2'd2: n <= 0;                 // @leaf_m2
      endcase
    end
  end
endmodule

module branches(input clk, input rst_n, input a, input b, input [1:0] mode, input quit,
                output reg [1:0] state, output [3:0] n0, output [3:0] n1, output y, output reg z);
  localparam IDLE = 2'd0, RUN = 2'd1, DONE = 2'd2;
  assign y = a ? b : !b;              // @y
  always @(posedge clk or negedge rst_n) begin
    if (!rst_n)                       // @rst
      state <= IDLE;
    else begin                        // @rst_else
      case (state)
        IDLE: if (a) state <= RUN;    // @idle
        RUN: if (b) state <= DONE; else state <= RUN;  // @run
        DONE: state <= a ? IDLE : DONE;  // @done
        default: state <= IDLE;       // @default
      endcase
    end
  end
  always @* begin
    if (state == RUN)                 // @z_if
      z = a;
    else
      z = b;                          // @z_else
  end
  always @(posedge clk) if (quit) $finish;  // @quit
  counter_leaf u_left(.clk(clk), .rst_n(rst_n), .en(a), .mode(mode), .n(n0));
  counter_leaf u_right(.clk(clk), .rst_n(rst_n), .en(b), .mode(mode), .n(n1));
endmodule
