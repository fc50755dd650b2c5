/**
 * The HTML of the sign-in pages: username, password, verification code, device code entry and consent, error and
 * form_post pages. Field names and element ids follow Microsoft's sign-in page (`loginfmt`/`i0116`, `passwd`/`i0118`,
 * `idSIButton9`, `otc`/`idTxtBx_SAOTCC_OTC`, `flowToken`) so a browser script written for one works on the other.
 */

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const STYLE = `body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;background:#f2f2f2;margin:0}
main{background:#fff;max-width:440px;margin:8vh auto;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600;margin:16px 0}.banner{font-size:13px;color:#666}
input[type=email],input[type=password],input[type=text]{width:100%;font-size:15px;padding:6px 0;border:0;border-bottom:1px solid #666;margin:12px 0}
.error{color:#e81123;font-size:15px}.buttons{text-align:right;margin-top:24px}
input[type=submit],button{min-width:108px;padding:6px 12px;font-size:15px;border:0;background:#0067b8;color:#fff}
button.secondary{background:#ccc;color:#000}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main><div class="banner">exops emulator &#8212; Microsoft Entra ID (local)</div>${body}</main></body></html>`;
}

function errorLine(error: string | undefined, id: string): string {
  return error === undefined ? '' : `<div class="error" id="${id}" role="alert">${escapeHtml(error)}</div>`;
}

/** Step 1: the account name. */
export function renderUsernamePage(options: { action: string; flowToken: string; loginHint?: string | undefined; error?: string | undefined; appName: string }): string {
  return page(
    'Sign in to your account',
    `<h1 id="loginHeader">Sign in</h1><p>to continue to ${escapeHtml(options.appName)}</p>
<form method="post" action="${escapeHtml(options.action)}" name="f1">
${errorLine(options.error, 'usernameError')}
<input type="email" name="loginfmt" id="i0116" autocomplete="username" placeholder="Email, phone, or Skype" aria-label="Enter your email, phone, or Skype." value="${escapeHtml(options.loginHint ?? '')}" required autofocus>
<input type="hidden" name="flowToken" value="${escapeHtml(options.flowToken)}">
<div class="buttons"><input type="submit" id="idSIButton9" value="Next"></div></form>`,
  );
}

/** Step 2: the password. */
export function renderPasswordPage(options: { action: string; flowToken: string; upn: string; error?: string | undefined }): string {
  return page(
    'Enter password',
    `<div id="displayName">${escapeHtml(options.upn)}</div><h1 id="loginHeader">Enter password</h1>
<form method="post" action="${escapeHtml(options.action)}" name="f1">
${errorLine(options.error, 'passwordError')}
<input type="password" name="passwd" id="i0118" autocomplete="current-password" placeholder="Password" aria-label="Enter the password for ${escapeHtml(options.upn)}" required autofocus>
<input type="hidden" name="loginfmt" value="${escapeHtml(options.upn)}">
<input type="hidden" name="flowToken" value="${escapeHtml(options.flowToken)}">
<div class="buttons"><input type="submit" id="idSIButton9" value="Sign in"></div></form>`,
  );
}

/** Step 3 for MFA users: the verification code "texted" to the user (read it through `GET /_admin/mfa-codes`). */
export function renderVerificationCodePage(options: { action: string; flowToken: string; upn: string; phoneHint: string; error?: string | undefined }): string {
  return page(
    'Enter code',
    `<div id="displayName">${escapeHtml(options.upn)}</div><h1 id="idDiv_SAOTCC_Title">Enter code</h1>
<p id="idDiv_SAOTCC_Description">We texted your phone ${escapeHtml(options.phoneHint)}. Please enter the code to sign in.</p>
<form method="post" action="${escapeHtml(options.action)}" name="f1">
${errorLine(options.error, 'idSpan_SAOTCC_Error_OTC')}
<input type="text" name="otc" id="idTxtBx_SAOTCC_OTC" inputmode="numeric" autocomplete="one-time-code" placeholder="Code" aria-label="Code" maxlength="8" required autofocus>
<input type="hidden" name="flowToken" value="${escapeHtml(options.flowToken)}">
<div class="buttons"><input type="submit" id="idSubmit_SAOTCC_Continue" value="Verify"></div></form>`,
  );
}

/** The device code entry page at `/devicelogin`. */
export function renderDeviceCodeEntryPage(options: { action: string; error?: string | undefined }): string {
  return page(
    'Enter code',
    `<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>
<form method="post" action="${escapeHtml(options.action)}" name="f1">
${errorLine(options.error, 'otcError')}
<input type="text" name="otc" id="otc" placeholder="Code" aria-label="Code" autocomplete="off" required autofocus>
<div class="buttons"><input type="submit" id="idSIButton9" value="Next"></div></form>`,
  );
}

/** The last device code step: "Are you trying to sign in to ...?" */
export function renderDeviceConsentPage(options: { action: string; flowToken: string; appName: string; upn: string }): string {
  return page(
    'Are you trying to sign in?',
    `<div id="displayName">${escapeHtml(options.upn)}</div><h1>Are you trying to sign in to ${escapeHtml(options.appName)}?</h1>
<p>Only continue if you downloaded the app from a store or website that you trust.</p>
<form method="post" action="${escapeHtml(options.action)}" name="f1">
<input type="hidden" name="flowToken" value="${escapeHtml(options.flowToken)}">
<div class="buttons"><button type="submit" name="decision" value="deny" class="secondary" id="idBtn_Back">Cancel</button>
<button type="submit" name="decision" value="approve" id="idSIButton9">Continue</button></div></form>`,
  );
}

/** The device code outcome page. */
export function renderDeviceDonePage(options: { approved: boolean; appName: string }): string {
  return options.approved
    ? page('Signed in', `<h1 id="message">${escapeHtml(options.appName)}</h1><p>You have signed in to the ${escapeHtml(options.appName)} application on your device. You may now close this window.</p>`)
    : page('Sign in canceled', `<h1 id="message">Sign in canceled</h1><p>You have declined to sign in to the ${escapeHtml(options.appName)} application on your device. You may now close this window.</p>`);
}

/** An error page, as Entra shows for a request it cannot redirect back (unknown app, bad redirect URI, unknown tenant). */
export function renderErrorPage(options: { description: string }): string {
  return page(
    'Sign in error',
    `<h1>Sorry, but we&#8217;re having trouble signing you in.</h1><div class="error" id="errorText">${escapeHtml(options.description).replace(/\r?\n/g, '<br>')}</div>`,
  );
}

/** `response_mode=form_post` (OIDC Form Post Response Mode): a self-submitting form to the redirect URI. */
export function renderFormPostPage(options: { action: string; fields: Readonly<Record<string, string>> }): string {
  const inputs = Object.entries(options.fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}" />`)
    .join('');
  return `<html><head><title>Working...</title></head><body><form method="POST" name="hiddenform" action="${escapeHtml(options.action)}">${inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript></form><script language="javascript">document.forms[0].submit();</script></body></html>`;
}
