import json
def hx(s): return " ".join(f"{b:02X}" for b in s.encode("latin1"))
V=[]
def ok(name, note, role, line, msg, term="\n", enc=True):
    raw=line+term
    V.append({"name":name,"note":note,"decoder":{"role":role},"text":line,"chunks":[hx(raw)],
              "expect":[{"ok":True,"raw":hx(raw),"msg":msg}],"encode":term=="\n" and enc})
def bad(name, note, role, data, results, chunks=None):
    V.append({"name":name,"note":note,"decoder":{"role":role},"text":data,"chunks":chunks or [hx(data)],
              "expect":[{"ok":False,"reason":r,"raw":hx(x)} if r!="ok" else {"ok":True,"raw":hx(x),"msg":m} for (r,x,m) in results]})
H,B="host","bridge"
# commands (host -> bridge)
ok("cmd-enable","C,1: answer as cashless device #1 (0x10).",B,"C,1",{"kind":"enable","on":True})
ok("cmd-disable","C,0: stop answering on 0x10 (the reader leaves the bus; cash is untouched).",B,"C,0",{"kind":"enable","on":False})
ok("cmd-config","C,CONFIG: level 1, CNY (1156), scale 1, 2 decimals, max response 5 s, no options.",B,"C,CONFIG,1,1156,1,2,5,0",
   {"kind":"config","featureLevel":1,"countryCode":"1156","scaleFactor":1,"decimalPlaces":2,"maxResponseSeconds":5,"options":0})
ok("cmd-begin-session","C,START: begin session with funds 500 (poll reply 03).",B,"C,START,500",{"kind":"beginSession","funds":500})
ok("cmd-approve","C,VEND: vend approved for 150 (poll reply 05).",B,"C,VEND,150",{"kind":"approve","amount":150})
ok("cmd-deny","C,DENY: vend denied (poll reply 06).",B,"C,DENY",{"kind":"deny"})
ok("cmd-cancel-session","C,STOP: session cancel request (poll reply 04).",B,"C,STOP",{"kind":"cancelSession"})
ok("cmd-status","C,STATUS: ask the reader state.",B,"C,STATUS",{"kind":"status"})
ok("cmd-dex","C,DEX: fetch the machine's DEX file.",B,"C,DEX",{"kind":"dex"})
ok("cmd-crlf","A command ending in CRLF: the CR belongs to the terminator.",B,"C,VEND,150",{"kind":"approve","amount":150},term="\r\n")
# events (bridge -> host)
ok("evt-boot","The bridge powered up: it forgot C,CONFIG and C,1.",H,"c,BOOT,qh-sim-bridge 1.0",{"kind":"boot","firmware":"qh-sim-bridge 1.0"})
ok("evt-ok","A command was taken.",H,"c,OK",{"kind":"ok"})
ok("evt-err-state","A command not allowed in the reader's state.",H,"c,ERR,STATE",{"kind":"error","reason":"STATE"})
ok("evt-err-syntax","A malformed command.",H,"c,ERR,SYNTAX",{"kind":"error","reason":"SYNTAX"})
ok("evt-err-unknown","A command this bridge does not know.",H,"c,ERR,UNKNOWN",{"kind":"error","reason":"UNKNOWN"})
ok("evt-err-range","A field out of range (an approval above the funds).",H,"c,ERR,RANGE",{"kind":"error","reason":"RANGE"})
ok("evt-reset","The VMC sent RESET (10).",H,"c,RESET",{"kind":"reset"})
ok("evt-setup-config","SETUP config data (11 00): VMC level 3, 16x2 display, display info 1.",H,"c,SETUP,CONFIG,3,16,2,1",{"kind":"setupConfig","vmcLevel":3,"columns":16,"rows":2,"display":1})
ok("evt-setup-prices","SETUP max/min price (11 01): max 1000, min 50.",H,"c,SETUP,PRICES,1000,50",{"kind":"setupPrices","max":1000,"min":50})
for s in ["INACTIVE","DISABLED","ENABLED","IDLE"]:
    ok("evt-status-"+s.lower(),f"Reader state {s}.",H,"c,STATUS,"+s,{"kind":"state","state":s})
ok("evt-vend-request","VEND REQUEST (13 00) price 100 item 5 (the MDB frame 13 00 00 64 00 05).",H,"c,STATUS,VEND,100,5",{"kind":"vendRequest","price":100,"item":5})
ok("evt-vend-cancel","VEND CANCEL (13 01).",H,"c,VEND,CANCEL",{"kind":"vendCancel"})
ok("evt-vend-success","VEND SUCCESS (13 02) item 5.",H,"c,VEND,SUCCESS,5",{"kind":"vendSuccess","item":5})
ok("evt-vend-failure","VEND FAILURE (13 03).",H,"c,VEND,FAILURE",{"kind":"vendFailure"})
ok("evt-session-complete","SESSION COMPLETE (13 04); the bridge has answered END SESSION.",H,"c,VEND,COMPLETE",{"kind":"sessionComplete"})
ok("evt-cash-sale","CASH SALE (13 05) price 120 item 7.",H,"c,VEND,CASH,120,7",{"kind":"cashSale","price":120,"item":7})
ok("evt-reader-cancel","READER CANCEL (14 02); the bridge has answered CANCELLED.",H,"c,READER,CANCEL",{"kind":"readerCancel"})
ok("evt-dex-begin","Start of a DEX block.",H,"c,DEX,BEGIN",{"kind":"dexBegin"})
ok("evt-dex-line","A DEX line, verbatim: commas and asterisks kept.",H,"c,DEX,LINE,PA1*12*150*Cola, can",{"kind":"dexLine","text":"PA1*12*150*Cola, can"})
ok("evt-dex-end","End of a DEX block: 14 lines.",H,"c,DEX,END,14",{"kind":"dexEnd","lines":14})
ok("evt-dex-error","The machine did not hand over its DEX file.",H,"c,DEX,ERR,TIMEOUT",{"kind":"dexError","reason":"TIMEOUT"})
ok("evt-crlf","An event ending in CRLF.",H,"c,STATUS,ENABLED",{"kind":"state","state":"ENABLED"},term="\r\n")
ok("evt-leading-zeros","Numbers may carry leading zeros.",H,"c,STATUS,VEND,0150,005",{"kind":"vendRequest","price":150,"item":5},enc=False)
# malformed / unknown
bad("bad-unknown-state","A state this version does not know is 'unknown', not a crash.",H,"c,STATUS,REVALUE\n",[("unknown","c,STATUS,REVALUE\n",None)])
bad("bad-unknown-event","An event keyword this version does not know.",H,"c,DIAG,17\n",[("unknown","c,DIAG,17\n",None)])
bad("bad-unknown-vend-sub","A c,VEND sub-keyword this version does not know (negative vend).",H,"c,VEND,NEGATIVE,100,5\n",[("unknown","c,VEND,NEGATIVE,100,5\n",None)])
bad("bad-unknown-error-reason","An error reason this version does not know.",H,"c,ERR,FOO\n",[("unknown","c,ERR,FOO\n",None)])
bad("bad-vend-missing-item","VEND REQUEST without its item.",H,"c,STATUS,VEND,100\n",[("garbage","c,STATUS,VEND,100\n",None)])
bad("bad-price-not-a-number","A price that is not a plain decimal.",H,"c,STATUS,VEND,1.50,5\n",[("garbage","c,STATUS,VEND,1.50,5\n",None)])
bad("bad-price-out-of-range","A price above 65535 (two MDB bytes).",H,"c,STATUS,VEND,70000,5\n",[("garbage","c,STATUS,VEND,70000,5\n",None)])
bad("bad-negative","A negative number.",H,"c,VEND,SUCCESS,-5\n",[("garbage","c,VEND,SUCCESS,-5\n",None)])
bad("bad-extra-field","An extra field.",H,"c,OK,1\n",[("garbage","c,OK,1\n",None)])
bad("bad-lower-case-keyword","Keywords are upper case.",H,"c,status,enabled\n",[("garbage","c,status,enabled\n",None)])
bad("bad-wrong-direction","A command line where events are expected (an echoing bridge).",H,"C,VEND,150\n",[("garbage","C,VEND,150\n",None)])
bad("bad-no-prefix","Noise without the c, prefix.",H,"hello\n",[("garbage","hello\n",None)])
bad("bad-control-byte","A control byte inside a line.",H,"c,STATUS,EN\x01ABLED\n",[("garbage","c,STATUS,EN\x01ABLED\n",None)])
bad("bad-too-long","A line over 256 characters: reported once as length, then the next good line.",H,"c,DEX,LINE,"+"X"*300+"\nc,OK\n",
    [("length","c,DEX,LINE,"+"X"*246,None),("ok","c,OK\n",{"kind":"ok"})])
bad("bad-then-good","Garbage, a blank line, then a good line: the good line is not lost.",H,"\xff\xfe\n\nc,RESET\n",
    [("garbage","\xff\xfe\n",None),("ok","c,RESET\n",{"kind":"reset"})])
bad("split-across-chunks","One line split over three chunks.",H,"c,STATUS,VEND,150,12\n",[("ok","c,STATUS,VEND,150,12\n",{"kind":"vendRequest","price":150,"item":12})],
    chunks=[hx("c,STA"),hx("TUS,VEND,15"),hx("0,12\n")])
bad("cmd-bad-unknown","A command the bridge does not know.",B,"C,REVALUE,100\n",[("unknown","C,REVALUE,100\n",None)])
bad("cmd-bad-approve-missing","C,VEND without an amount.",B,"C,VEND\n",[("garbage","C,VEND\n",None)])
bad("cmd-bad-config-country","C,CONFIG with a 3-digit country code.",B,"C,CONFIG,1,156,1,2,5,0\n",[("garbage","C,CONFIG,1,156,1,2,5,0\n",None)])
bad("cmd-bad-config-zero-response","C,CONFIG with a maximum response time of 0 s.",B,"C,CONFIG,1,1156,1,2,0,0\n",[("garbage","C,CONFIG,1,1156,1,2,0,0\n",None)])
bad("cmd-bad-lower-case","Commands are upper case.",B,"c,VEND,150\n",[("garbage","c,VEND,150\n",None)])
EX=[]
def step(send=None, do=None, reply=()):
    s={"reply":list(reply)}
    if send is not None: s["send"]=send
    if do is not None: s["do"]=do
    return s
EX.append({"name":"power-up-and-setup","note":"Bridge boots, the VMC resets; the host configures and enables; the VMC runs SETUP and READER ENABLE.",
  "sim":{"prices":{"12":150},"setupRepeats":1},"steps":[
   step(do={"op":"powerUp"},reply=["c,BOOT,qh-sim-bridge 1.0","c,RESET","c,STATUS,INACTIVE"]),
   step(send="C,CONFIG,1,1156,1,2,5,0",reply=["c,OK"]),
   step(send="C,1",reply=["c,OK","c,SETUP,CONFIG,3,16,2,1","c,STATUS,DISABLED","c,SETUP,PRICES,1000,50","c,STATUS,ENABLED"])]})
EX.append({"name":"pay-first-success","note":"Begin session with 500; the customer selects item 12 (150); approved; dispensed; session complete.",
  "sim":{"prices":{"12":150},"enabled":True},"steps":[
   step(send="C,START,500",reply=["c,OK","c,STATUS,IDLE"]),
   step(do={"op":"select","item":12},reply=["c,STATUS,VEND,150,12"]),
   step(send="C,VEND,150",reply=["c,OK","c,VEND,SUCCESS,12","c,STATUS,IDLE","c,VEND,COMPLETE","c,STATUS,ENABLED"])]})
EX.append({"name":"select-first-motor-jam","note":"Always-idle machine: a vend request from ENABLED; approved; the motor jams: VEND FAILURE.",
  "sim":{"prices":{"12":150},"enabled":True,"fail":{"12":"motorJam"}},"steps":[
   step(do={"op":"select","item":12},reply=["c,STATUS,VEND,150,12"]),
   step(send="C,VEND,150",reply=["c,OK","c,VEND,FAILURE","c,STATUS,IDLE","c,VEND,COMPLETE","c,STATUS,ENABLED"])]})
EX.append({"name":"deny","note":"A vend request denied; the VMC ends the session.",
  "sim":{"prices":{"12":150},"enabled":True},"steps":[
   step(do={"op":"select","item":12},reply=["c,STATUS,VEND,150,12"]),
   step(send="C,DENY",reply=["c,OK","c,STATUS,IDLE","c,VEND,COMPLETE","c,STATUS,ENABLED"])]})
EX.append({"name":"cash-sale","note":"A cash sale is reported to the reader and forwarded.",
  "sim":{"prices":{"7":120},"enabled":True},"steps":[
   step(do={"op":"cash","item":7},reply=["c,VEND,CASH,120,7"])]})
EX.append({"name":"state-errors","note":"Commands in the wrong state, malformed and unknown commands.",
  "sim":{"prices":{"12":150},"enabled":True},"steps":[
   step(send="C,VEND,150",reply=["c,ERR,STATE"]),
   step(send="C,STATUS",reply=["c,STATUS,ENABLED"]),
   step(send="C,VEND",reply=["c,ERR,SYNTAX"]),
   step(send="C,REVALUE,1",reply=["c,ERR,UNKNOWN"]),
   step(send="C,START,500",reply=["c,OK","c,STATUS,IDLE"]),
   step(do={"op":"select","item":12},reply=["c,STATUS,VEND,150,12"]),
   step(send="C,VEND,600",reply=["c,ERR,RANGE"])]})
json.dump({"protocol":"mdb-bridge-text","format":1,"spec":"SPEC.md",
  "notes":"chunks are the bytes on the wire in hex; text is the same line for reading. exchanges: the simulator (VMC + bridge) answers each step's send (a host command line) or do (a customer/machine action) with exactly the reply lines, in order.",
  "vectors":V,"exchanges":EX},open("vectors.json","w"),indent=1,ensure_ascii=True)
print(len(V),len(EX))
