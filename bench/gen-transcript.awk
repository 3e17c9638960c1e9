# Generates a Claude Code transcript of about `target` bytes on stdout and
# writes "<total tokens> <API messages>" to the file `totals`:
#   awk -v target=BYTES -v sid=SESSION -v totals=FILE -f bench/gen-transcript.awk
# Each message: a prompt, the assistant's text and tool_use blocks as two
# lines with the same message id and usage (as Claude Code writes them), a
# hook attachment, a tool result of 3 KB; every 200th a 64 KB attachment.
# The last line is a summary saying "end of benchmark".
function pad(n) { return substr(big, 1, n) }
BEGIN {
	big = "x"
	while (length(big) < 65536)
		big = big big
	bytes = 0; n = 0; tin = 0; tout = 0; tcw = 0; tcr = 0
	ts = "\"timestamp\":\"2026-11-20T10:00:00.000Z\""
	tail = ",\"sessionId\":\"" sid "\",\"version\":\"2.1.332\",\"cwd\":\"/work\""
	result = pad(3000)
	while (bytes < target) {
		n++
		in_ = 10 + n % 90; out = 5 + n % 400; cw = n % 7 * 100; cr = 2000 + n % 5000
		usage = "\"usage\":{\"input_tokens\":" in_ ",\"cache_creation_input_tokens\":" cw \
			",\"cache_read_input_tokens\":" cr ",\"output_tokens\":" out ",\"service_tier\":\"standard\"}"
		lines[1] = "{\"parentUuid\":null,\"isSidechain\":false,\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"prompt " n " " pad(200 + n % 300) "\"},\"uuid\":\"u" n "\"," ts tail "}"
		lines[2] = "{\"parentUuid\":\"u" n "\",\"message\":{\"id\":\"msg_" n "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-" (n % 3 ? "opus-4-6" : "sonnet-4-5") "\",\"content\":[{\"type\":\"text\",\"text\":\"answer " pad(300 + n % 700) "\"}],\"stop_reason\":null," usage "},\"requestId\":\"req_" n "\",\"type\":\"assistant\",\"uuid\":\"a" n "\"," ts tail "}"
		lines[3] = "{\"parentUuid\":\"a" n "\",\"message\":{\"id\":\"msg_" n "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-" (n % 3 ? "opus-4-6" : "sonnet-4-5") "\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_" n "\",\"name\":\"" (n % 2 ? "Bash" : "Read") "\",\"input\":{\"command\":\"ls\"}}],\"stop_reason\":\"tool_use\"," usage "},\"requestId\":\"req_" n "\",\"type\":\"assistant\",\"uuid\":\"b" n "\"," ts tail "}"
		lines[4] = "{\"parentUuid\":\"b" n "\",\"attachment\":{\"type\":\"hook_success\",\"hookName\":\"PreToolUse:Bash\",\"toolUseID\":\"toolu_" n "\",\"hookEvent\":\"PreToolUse\",\"stdout\":\"\",\"exitCode\":0,\"durationMs\":15},\"type\":\"attachment\",\"uuid\":\"h" n "\"," ts tail "}"
		lines[5] = "{\"parentUuid\":\"h" n "\",\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"tool_use_id\":\"toolu_" n "\",\"type\":\"tool_result\",\"content\":\"" result "\",\"is_error\":false}]},\"uuid\":\"r" n "\"," ts tail "}"
		for (i = 1; i <= 5; i++) { print lines[i]; bytes += length(lines[i]) + 1 }
		if (n % 200 == 0) {
			l = "{\"type\":\"attachment\",\"attachment\":{\"type\":\"prompt_snapshot\",\"text\":\"" big "\"}," ts tail "}"
			print l; bytes += length(l) + 1
		}
		tin += in_; tout += out; tcw += cw; tcr += cr
	}
	# The last line says so, for whoever waits for the file to be read.
	print "{\"type\":\"summary\",\"summary\":\"end of benchmark\",\"leafUuid\":\"r" n "\"}"
	printf "%d %d\n", tin + tout + tcw + tcr, n > totals
}