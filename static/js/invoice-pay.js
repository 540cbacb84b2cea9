// The treasurer's card payment (contracts.payments). Stripe.js tokenises the card; the
// server attaches it to the invoice's PaymentIntent and confirms; 3-D Secure, when the
// bank asks for it, is handled by Stripe.js. The invoice turns "paid" only when Stripe's
// signed webhook has arrived, so the page polls the invoice's status.
(function () {
  "use strict";
  const form = document.getElementById("pay-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const button = document.getElementById("pay-button");
  const errorBox = document.querySelector("[data-pay-error]");
  const progress = document.querySelector("[data-pay-progress]");
  const statusBadge = document.querySelector("[data-invoice-status]");
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;

  function showError(message) {
    errorBox.textContent = message || form.dataset.failed;
    errorBox.hidden = false;
    progress.hidden = true;
    button.disabled = false;
  }

  async function poll(tries) {
    const response = await fetch(form.dataset.statusUrl, { credentials: "same-origin" });
    const body = await response.json();
    if (body.status === "paid") {
      statusBadge.textContent = body.label;
      progress.textContent = form.dataset.paid;
      progress.classList.add("message-success");
      form.hidden = true;
      return;
    }
    if (body.failure && tries > 2) { showError(body.failure); return; }
    if (tries < 60) setTimeout(() => poll(tries + 1), 1000);
  }

  if (form.dataset.pending) {
    // Paid at Stripe already; the webhook has not arrived yet. No second card form.
    form.hidden = true;
    progress.textContent = form.dataset.waiting;
    progress.hidden = false;
    poll(0);
    return;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button.disabled) return; // a second click while the first is under way
    button.disabled = true;
    errorBox.hidden = true;
    const { token, error } = await stripe.createToken(card);
    if (error || !token) { showError(error && error.message); return; }
    const response = await fetch(form.dataset.confirmUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: token.id }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) { showError(body.error); return; }
    if (body.status === "requires_action") {
      const result = await stripe.confirmCardPayment(body.client_secret);
      if (result.error) { showError(result.error.message); return; }
    }
    progress.textContent = form.dataset.waiting;
    progress.hidden = false;
    poll(0);
  });
})();
