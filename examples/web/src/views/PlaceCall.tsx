/**
 * **Place an agent call** (Sangoma CX `startAgentCall`). This rings a real phone, so the form has a confirmation
 * step, the mutation is sent once (cxgraph never retries it either), and the outcome is said in words: accepted with
 * the platform's call id, or why not — including "the call may have been placed" when the request went out and no
 * answer came back (`callMayHaveBeenPlaced`), where trying again could call the customer twice.
 */
import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent, type ReactNode } from 'react';
import { graphql } from '../gql/index.js';
import { problemsAt, ProblemText } from '../ui/problems.js';

const StartAgentCall = graphql(`
  mutation StartAgentCall($agentName: String!, $destination: String!, $tenantDomain: String!) {
    startAgentCall(agentName: $agentName, destination: $destination, tenantDomain: $tenantDomain) {
      provider
      accepted
      callId
      message
    }
  }
`);

interface CallForm {
  agentName: string;
  destination: string;
  tenantDomain: string;
}

type Step = 'edit' | 'confirm' | 'done';

export function PlaceCall(): ReactNode {
  const [form, setForm] = useState<CallForm>({ agentName: '', destination: '', tenantDomain: '' });
  const [step, setStep] = useState<Step>('edit');
  const [start, outcome] = useMutation(StartAgentCall);
  const field = (name: keyof CallForm) => ({
    name,
    value: form[name],
    required: true,
    readOnly: step !== 'edit',
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value }),
  });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (step === 'edit') return setStep('confirm');
    if (step === 'confirm') {
      setStep('done');
      await start({ variables: form });
    }
  };
  const again = () => {
    outcome.reset();
    setStep('edit');
  };

  const result = outcome.data?.startAgentCall;
  const problems = problemsAt(outcome.error, ['startAgentCall']);
  return (
    <section aria-labelledby="call-title" className="panel" data-panel="place-call">
      <h2 id="call-title">Call details</h2>
      <p>
        Sangoma CX rings the agent, then connects them to the number you give. <strong>This places a real phone call.</strong>
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <p>
          <label>
            Agent's name on the platform <input {...field('agentName')} autoComplete="off" placeholder="alice" />
          </label>
        </p>
        <p>
          <label>
            Number to call <input {...field('destination')} type="tel" autoComplete="off" placeholder="+15550100199" />
          </label>
        </p>
        <p>
          <label>
            Tenant's domain <input {...field('tenantDomain')} autoComplete="off" placeholder="acme.cx.example.com" />
          </label>
        </p>
        {step === 'edit' ? <button type="submit">Review the call</button> : null}
        {step === 'confirm' ? (
          <div role="alertdialog" aria-labelledby="confirm-title" className="confirm">
            <p id="confirm-title">
              Call <strong>{form.destination}</strong> from agent <strong>{form.agentName}</strong> on <strong>{form.tenantDomain}</strong>?
            </p>
            <button type="submit" autoFocus>
              Place the call
            </button>{' '}
            <button type="button" onClick={() => setStep('edit')}>
              Change the details
            </button>
          </div>
        ) : null}
      </form>
      {step === 'done' ? (
        <div role="alert" data-testid="call-outcome" className={result?.accepted ? 'outcome' : 'problem'}>
          {outcome.loading ? <p>Placing the call…</p> : null}
          {result ? (
            result.accepted ? (
              <p>
                <span aria-hidden="true">✓ </span>
                <strong>The call was placed.</strong> Sangoma CX is ringing {form.agentName}
                {result.callId ? ` (call id ${result.callId})` : ''}
                {result.message ? `: “${result.message}”` : '.'}
              </p>
            ) : (
              <p>
                <strong>Sangoma CX did not accept the call.</strong> {result.message ?? ''}
              </p>
            )
          ) : null}
          {!outcome.loading && !result ? (
            <>
              <p className="problem-title">
                <span aria-hidden="true">⚠ </span>
                {problems.some((p) => p.callMayHaveBeenPlaced) ? 'Sangoma CX did not say whether the call was placed.' : 'The call was not placed.'}
              </p>
              {problems.map((p, i) => (
                <ProblemText key={i} problem={p} />
              ))}
            </>
          ) : null}
          {!outcome.loading ? (
            <button type="button" onClick={again}>
              Place another call
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
