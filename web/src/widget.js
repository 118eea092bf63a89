/*
 * Chat widget for the Partner Check-in Guide. Plain JavaScript, no build step; its one
 * dependency, the socket.io client, is served by the same Rasa server from
 * web/node_modules (installed with `npm ci --prefix web`).
 *
 * Embed it on any page (the server's origin must be in the channel's allowed_origins):
 *   <div id="partner-chat"></div>
 *   <script src="https://BOT-HOST/chat/widget.js" data-mount="#partner-chat" defer></script>
 *
 * Protocol (bot/channels/web.py): on connect the widget sends `session_request` with the
 * token it stored; the server answers `session_confirm` with the token to keep (the same
 * one, or a new one if it was missing or forged) and `conversation_history` with the
 * current conversation, so a reload continues where it left off. Messages go out as
 * `user_uttered` and come back as `bot_uttered`.
 *
 * Nothing typed is lost: until the session is confirmed (and its history drawn) the
 * widget shows "Connecting..." and queues what is typed, then sends it. If the server
 * gets a message without a session it answers `session_required` with it; the widget
 * queues it again and asks for the session.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var server = new URL(script.src, window.location.href).origin;
  var mountSelector = script.getAttribute("data-mount") || "#partner-chat";
  var storageKey = "pcg-session:" + server;
  var MAX_ANNOUNCEMENTS = 5;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function loadOnce(tag, attribute, url, onload) {
    var existing = Array.prototype.some.call(document.getElementsByTagName(tag), function (node) {
      return node[attribute] === url; // the resolved URL, however the page wrote it
    });
    if (existing) {
      if (onload) onload();
      return;
    }
    var node = document.createElement(tag);
    if (tag === "link") node.rel = "stylesheet";
    node[attribute] = url;
    if (onload) node.onload = onload;
    document.head.appendChild(node);
  }

  function buildWidget(root) {
    root.classList.add("pcg");
    var header = el("header", "pcg-header");
    header.appendChild(el("h2", "pcg-title", "Partner Check-in Guide"));
    var crisis = el("a", "pcg-crisis", "In crisis? Call or text 988");
    crisis.href = "tel:988";
    header.appendChild(crisis);

    var log = el("div", "pcg-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-label", "Conversation");
    log.setAttribute("tabindex", "0");
    var announcer = el("div", "pcg-visually-hidden");
    announcer.setAttribute("aria-live", "polite");
    announcer.setAttribute("aria-atomic", "false");
    var status = el("div", "pcg-status");
    status.setAttribute("role", "status");

    var form = el("form", "pcg-form");
    var label = el("label", "pcg-visually-hidden", "Your message");
    label.htmlFor = "pcg-input";
    var input = el("input");
    input.id = "pcg-input";
    input.type = "text";
    input.autocomplete = "off";
    input.maxLength = 4000;  // bot/channels/limits.py MAX_MESSAGE_CHARS
    input.placeholder = "Type a message";
    var send = el("button", "", "Send");
    send.type = "submit";
    form.append(label, input, send);

    root.replaceChildren(header, log, announcer, status, form);
    return { log: log, announcer: announcer, status: status, form: form, input: input };
  }

  function start(root) {
    var ui = buildWidget(root);
    var quickReplies = []; // [{title, payload}] currently offered
    var socket = window.io(server, { path: "/socket.io" });
    var sessionReady = false;   // session confirmed and history drawn: messages go out
    var awaitingHistory = false; // a session_request is answered by confirm + history
    var queued = []; // [{message, shownText}] typed before the session was ready

    function scroll() { ui.log.scrollTop = ui.log.scrollHeight; }

    function announce(text) {
      ui.announcer.appendChild(el("p", "", text));
      while (ui.announcer.childNodes.length > MAX_ANNOUNCEMENTS) ui.announcer.firstChild.remove();
    }

    function clearQuickReplies() {
      quickReplies = [];
      ui.log.querySelectorAll(".pcg-replies").forEach(function (group) { group.remove(); });
    }

    function showQuickReplies(replies) {
      clearQuickReplies();
      if (!replies || !replies.length) return;
      quickReplies = replies;
      var group = el("div", "pcg-replies");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Suggested replies");
      replies.forEach(function (reply) {
        var button = el("button", "", reply.title);
        button.type = "button";
        button.addEventListener("click", function () {
          sendMessage(reply.payload, reply.title);
          ui.input.focus();
        });
        group.appendChild(button);
      });
      ui.log.appendChild(group);
    }

    function showMessage(sender, text) {
      ui.log.appendChild(el("div", "pcg-msg pcg-" + sender, text));
    }

    function showBot(message, quiet) {
      if (message.text) {
        showMessage("bot", message.text);
        if (!quiet) announce(message.text);
      }
      if (message.quick_replies && message.quick_replies.length) showQuickReplies(message.quick_replies);
      scroll();
    }

    function setConnecting(connecting) {
      sessionReady = !connecting;
      ui.status.textContent = connecting ? "Connecting..." : "";
    }

    function requestSession() {
      setConnecting(true);
      awaitingHistory = true;
      socket.emit("session_request", { session_id: window.localStorage.getItem(storageKey) });
    }

    function flushQueue() {
      setConnecting(false);
      var waiting = queued;
      queued = [];
      waiting.forEach(function (item) { socket.emit("user_uttered", { message: item.message }); });
    }

    function sendMessage(message, shownText) {
      clearQuickReplies();
      ui.log.querySelectorAll(".pcg-note").forEach(function (note) { note.remove(); });
      showMessage("user", shownText);
      scroll();
      if (sessionReady) socket.emit("user_uttered", { message: message });
      else queued.push({ message: message, shownText: shownText });
    }

    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = ui.input.value.trim();
      if (!text) return;
      ui.input.value = "";
      // Typing a suggested reply's words is the same as clicking it.
      var picked = quickReplies.filter(function (reply) {
        return reply.title.trim().toLowerCase() === text.toLowerCase();
      })[0];
      sendMessage(picked ? picked.payload : text, text);
    });

    socket.on("connect", requestSession);
    socket.on("session_confirm", function (token) {
      window.localStorage.setItem(storageKey, token);
      if (!awaitingHistory) flushQueue(); // moved to a fresh session after a deletion
    });
    socket.on("session_required", function (data) {
      if (data && typeof data.message === "string") queued.unshift({ message: data.message });
      requestSession();
    });
    socket.on("conversation_history", function (messages) {
      ui.log.replaceChildren();
      quickReplies = [];
      messages.forEach(function (message, index) {
        if (message.sender === "user") {
          showMessage("user", message.text);
        } else {
          var last = index === messages.length - 1;
          showBot({ text: message.text, quick_replies: last ? message.quick_replies : null }, true);
        }
      });
      // What was typed while connecting is not in the history yet: keep it on screen.
      queued.forEach(function (item) { if (item.shownText) showMessage("user", item.shownText); });
      if (!messages.length && !queued.length) showMessage("note", "Say hi to start.");
      scroll();
      awaitingHistory = false;
      flushQueue();
    });
    socket.on("bot_uttered", function (message) { showBot(message, false); });
    socket.on("conversation_deleted", function () {
      ui.log.replaceChildren();
      clearQuickReplies();
      var note = "This conversation was deleted. In crisis? Call or text 988.";
      showMessage("note", note);
      announce(note);
    });
    socket.on("disconnect", function () {
      sessionReady = false;
      ui.status.textContent = "Reconnecting...";
    });
    socket.on("connect_error", function () {
      ui.status.textContent = "Can't reach the chat right now. Retrying...";
    });
  }

  function init() {
    var root = document.querySelector(mountSelector);
    if (!root) return;
    loadOnce("link", "href", server + "/chat/widget.css");
    if (window.io) start(root);
    else loadOnce("script", "src", server + "/chat/vendor/socket.io.js", function () { start(root); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
