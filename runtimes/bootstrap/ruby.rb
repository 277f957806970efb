# frozen_string_literal: true

# Slipway's Ruby bootstrap: runs a function's handler per runtimes/README.md.
#
# Started as `ruby --disable-gems ruby.rb` in the function's task directory (its working
# directory), with requests on fd 0 and replies on fd 3. Works on Ruby 3.1 and later. Everything it
# defines is inside SlipwayBootstrap, so that the user's top-level methods (`handler`) stay theirs.

require 'json'

module SlipwayBootstrap
  TASK_DIR = Dir.pwd
  BOOTSTRAP_FILE = File.expand_path(__FILE__)

  module_function

  def main
    $LOAD_PATH.unshift(File.join(TASK_DIR, 'lib'), TASK_DIR)
    # Requests stay on a descriptor of their own; the user's code gets /dev/null as stdin, so that
    # gets cannot take them. Replies go to fd 3, which no child process inherits.
    requests = STDIN.dup.binmode
    requests.close_on_exec = true
    STDIN.reopen(File::NULL)
    replies = IO.new(3, 'wb')
    replies.close_on_exec = true
    replies.sync = true
    # The user's output goes out as it is written, as it would on a terminal.
    STDOUT.sync = true
    STDERR.sync = true

    replies.write(%({"type":"ready"}\n))
    handler = nil
    function = {}
    while (line = requests.gets)
      next if line.strip.empty?

      request = JSON.parse(line.force_encoding(Encoding::UTF_8))
      case request['type']
      when 'load'
        function = request['function'] || {}
        begin
          handler = load_handler(request['handler'] || 'function.handler', request['env'] || {})
        rescue SystemExit, SignalException
          raise
        rescue Exception => e # rubocop:disable Lint/RescueException -- ScriptError and NoMemoryError too
          replies.write(JSON.generate({ type: 'load_error', error: describe(e) }) + "\n")
          exit(1)
        end
        replies.write(%({"type":"loaded"}\n))
      when 'invoke'
        if handler.nil?
          warn 'slipway bootstrap: invoke before load'
          exit 70
        end
        replies.write(invoke(handler, function, request) + "\n")
      end
    end
  end

  def load_handler(setting, env)
    env.each { |key, value| ENV[key.to_s] = value.to_s }
    file, dot, name = setting.rpartition('.')
    raise ArgumentError, "handler #{setting.inspect} is not file.method (function.handler)" if dot.empty? || file.empty?

    path = File.join(TASK_DIR, "#{file}.rb")
    raise LoadError, "no file #{file}.rb among the function's files" unless File.file?(path)

    # Like `ruby function.rb`: its top-level methods become the main object's.
    load(path)
    method = begin
      TOPLEVEL_BINDING.receiver.method(name)
    rescue NameError
      nil
    end
    # Kernel's own (puts, exit) are no handler.
    if method.nil? || [Kernel, BasicObject].include?(method.owner)
      raise NameError.new("#{file}.rb defines no method #{name}", name.to_sym)
    end

    # `def handler(event:, context:)` as the README shows, or `def handler(event, context)`.
    keywords = method.parameters.any? { |kind, _| %i[key keyreq keyrest].include?(kind) }
    lambda do |event, context|
      keywords ? method.call(event: event, context: context) : method.call(event, context)
    end
  end

  def invoke(handler, function, request)
    id = request['id']
    deadline_ms = request['deadlineMs'] || 0
    context = {
      function_name: function['name'],
      function_version: function['version'],
      memory_limit_mb: function['memoryMb'],
      invocation_id: id,
      deadline_ms: deadline_ms,
      remaining_time_ms: -> { [0, deadline_ms - (Time.now.to_f * 1000).to_i].max }
    }
    started = Process.clock_gettime(Process::CLOCK_PROCESS_CPUTIME_ID, :float_millisecond)
    body =
      begin
        result = handler.call(request['event'], context)
        begin
          %("ok":true,"result":#{JSON.generate(result)})
        rescue StandardError, SystemStackError => e
          error = { type: e.class.name, message: "the handler's result is not JSON: #{e.message}", stack: '' }
          %("ok":false,"error":#{JSON.generate(error)})
        end
      rescue SystemExit, SignalException
        raise
      rescue Exception => e # rubocop:disable Lint/RescueException -- NoMemoryError, ScriptError too
        %("ok":false,"error":#{JSON.generate(describe(e))})
      end
    cpu_ms = Process.clock_gettime(Process::CLOCK_PROCESS_CPUTIME_ID, :float_millisecond) - started
    end_of_output(id)
    %({"type":"result","id":#{JSON.generate(id)},#{body},"cpuMs":#{cpu_ms.round(3)}})
  end

  # Flushes what the user printed, wherever $stdout now points, then marks the end of the
  # invocation's output on the process's own stdout and stderr.
  def end_of_output(id)
    [$stdout, $stderr, STDOUT, STDERR].each do |stream|
      stream.flush
    rescue StandardError
      nil
    end
    marker = "\u001eslipway:end:#{id}\u001e\n"
    [STDOUT, STDERR].each do |stream|
      stream.write(marker)
    rescue StandardError
      nil
    end
  end

  # The error shape of the protocol, with the backtrace as Ruby prints it, less the bootstrap's own
  # frames, so that the user's files and lines are what it shows.
  def describe(error)
    message = text(error.message)
    backtrace = (error.backtrace || []).reject { |frame| frame.start_with?(BOOTSTRAP_FILE) }
    first = backtrace.empty? ? '' : "#{backtrace.first}: "
    stack = ["#{first}#{message} (#{error.class.name})"]
    stack.concat(backtrace.drop(1).map { |frame| "\tfrom #{frame}" })
    { type: error.class.name, message: message, stack: text(stack.join("\n")) }
  rescue StandardError, NoMemoryError
    { type: error.class.name, message: '', stack: '' }
  end

  # A string JSON can carry: UTF-8, invalid bytes replaced.
  def text(value)
    value.to_s.dup.force_encoding(Encoding::UTF_8).scrub
  end
end

SlipwayBootstrap.main
