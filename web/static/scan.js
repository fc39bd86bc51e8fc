// Scan page behaviour, loaded as a file so the Content-Security-Policy can forbid inline script.
// Camera: @zxing/library (vendored from npm, served by this app) decodes frames in the browser;
// a found code is submitted as text with the location, exactly like a typed one.
(function () {
  "use strict";

  function locate(form) {
    var status = document.getElementById("camera-status");
    if (!navigator.geolocation) { return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.querySelector("[data-geo=lat]").value = pos.coords.latitude.toFixed(5);
      form.querySelector("[data-geo=lon]").value = pos.coords.longitude.toFixed(5);
    }, function (err) {
      if (status) { status.textContent = "No position (" + err.message + "): pick an inspection site."; }
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  document.querySelectorAll("[data-action=locate]").forEach(function (button) {
    button.addEventListener("click", function () { locate(button.form); });
  });

  // Verdict page of a scan this browser just made without a place: ask the device once, and give the
  // position to that scan (the server re-judges it there and shows the view again; a reload asks nothing).
  var place = document.getElementById("place-form");
  if (place && navigator.geolocation) {
    var asked = "asked-place-" + place.getAttribute("data-ask-geo");
    var placeStatus = document.getElementById("place-status");
    var site = place.querySelector("select[name=site]");
    var send = function (pos) {
      if (site && site.value) { return; }  // the officer picked an inspection site meanwhile
      place.querySelector("[data-geo=lat]").value = pos.coords.latitude.toFixed(5);
      place.querySelector("[data-geo=lon]").value = pos.coords.longitude.toFixed(5);
      place.submit();
    };
    var ask = function () {
      placeStatus.textContent = "Asking this device for its position…";
      navigator.geolocation.getCurrentPosition(send, function (err) {
        placeStatus.textContent = "No position (" + err.message + ")" + (site ? ": pick an inspection site." : ".");
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    };
    place.addEventListener("submit", function (event) {
      if ((site && site.value) || place.querySelector("[data-geo=lat]").value) { return; }
      event.preventDefault();
      ask();
    });
    var once = true;
    try { once = !window.sessionStorage.getItem(asked); window.sessionStorage.setItem(asked, "1"); } catch (e) { /* private mode */ }
    if (once) { ask(); }
  }

  var start = document.getElementById("start-camera");
  var form = document.getElementById("scan-form");
  if (!start || !form) { return; }

  // A chosen photo is sent at once: one tap on a phone, no second "Verify" press.
  document.getElementById("photo").addEventListener("change", function () {
    if (this.files.length) { form.submit(); }
  });

  start.addEventListener("click", function () {
    var status = document.getElementById("camera-status");
    var video = document.getElementById("camera");
    if (!window.ZXing) { status.textContent = "The camera decoder did not load; upload a photo instead."; return; }
    var reader = new ZXing.BrowserMultiFormatReader(new Map([[ZXing.DecodeHintType.POSSIBLE_FORMATS,
      [ZXing.BarcodeFormat.QR_CODE, ZXing.BarcodeFormat.DATA_MATRIX]]]));
    video.hidden = false;
    status.textContent = "Looking for a code…";
    locate(form);
    reader.decodeFromVideoDevice(null, video, function (result) {
      if (!result) { return; }
      reader.reset();
      document.getElementById("code").value = result.getText();
      status.textContent = "Found a code; verifying…";
      form.submit();
    }).catch(function (err) {
      status.textContent = "Camera unavailable (" + err + "); upload a photo or type the code.";
      video.hidden = true;
    });
  });
}());
