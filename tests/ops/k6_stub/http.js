// k6/http: every request is recorded and answered as FlagMeter would.
export const requests = [];

function answer(status, body) {
  const text = JSON.stringify(body);
  return { status, body: text, json: () => JSON.parse(text) };
}

export default {
  post(url, body, params) {
    requests.push({ method: 'POST', url, body, params });
    return answer(201, { success: true, eventId: 'e-' + requests.length });
  },
  get(url, params) {
    requests.push({ method: 'GET', url, params });
    return answer(200, { tenantName: 'acme-corp', quotaPercent: 0 });
  },
};
